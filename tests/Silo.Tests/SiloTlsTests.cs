using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using SwarmCluster.Hosting;

namespace SwarmCluster.Silo.Tests;

/// <summary>SwarmCluster:SiloTls: silos talk mutual TLS with certificates of one private CA, and refuse any other.</summary>
public class SiloTlsTests
{
    [Fact]
    public async Task Two_silos_with_certificates_of_one_ca_form_a_cluster_over_tls()
    {
        using var dir = new TempDirectory();
        using var ca = NewAuthority("SwarmCluster test CA");
        var serviceId = TestEnvironment.UniqueId("tls");

        var primarySettings = SiloHost.Settings(serviceId, Path.Combine(dir.Path, "primary"));
        AddTls(primarySettings, ca, dir.Path, "primary");
        await using var primary = await SiloHost.StartAsync(SiloRole.Embedded, primarySettings);

        var secondSettings = SiloHost.Settings(serviceId, Path.Combine(dir.Path, "second"));
        secondSettings["SwarmCluster:PrimarySiloEndpoint"] = $"127.0.0.1:{primarySettings["SwarmCluster:SiloPort"]}";
        AddTls(secondSettings, ca, dir.Path, "second");
        await using var second = await SiloHost.StartAsync(SiloRole.Embedded, secondSettings);

        var hosts = await primary.Grains.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true);
        Assert.Equal(2, hosts.Count);
    }

    [Fact]
    public void A_peer_is_accepted_only_with_a_certificate_issued_by_the_configured_ca()
    {
        using var ca = NewAuthority("ours");
        using var other = NewAuthority("theirs");
        using var ours = Issue(ca, "silo");
        using var theirs = Issue(other, "silo");
        using var selfSigned = NewAuthority("silo");

        Assert.True(SiloTls.IssuedBy(ours, ca, SslPolicyErrors.RemoteCertificateNameMismatch)); // dialled by IP
        Assert.False(SiloTls.IssuedBy(theirs, ca, SslPolicyErrors.None));
        Assert.False(SiloTls.IssuedBy(selfSigned, ca, SslPolicyErrors.None));
        Assert.False(SiloTls.IssuedBy(null, ca, SslPolicyErrors.RemoteCertificateNotAvailable));
    }

    [Fact]
    public async Task A_missing_key_file_stops_the_silo_naming_the_setting()
    {
        using var dir = new TempDirectory();
        var settings = SiloHost.Settings(TestEnvironment.UniqueId("tls-bad"), dir.Path);
        settings["SwarmCluster:SiloTls:CertificateFile"] = Path.Combine(dir.Path, "tls.crt");
        var error = await Assert.ThrowsAnyAsync<InvalidOperationException>(() => SiloHost.StartAsync(SiloRole.Embedded, settings));
        Assert.Contains("SwarmCluster:SiloTls:KeyFile", error.Message);
    }

    private static void AddTls(Dictionary<string, string?> settings, X509Certificate2 ca, string directory, string name)
    {
        using var leaf = Issue(ca, name);
        var prefix = Path.Combine(directory, name);
        File.WriteAllText(prefix + ".crt", leaf.ExportCertificatePem());
        File.WriteAllText(prefix + ".key", leaf.GetRSAPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(prefix + "-ca.crt", ca.ExportCertificatePem());
        settings["SwarmCluster:SiloTls:CertificateFile"] = prefix + ".crt";
        settings["SwarmCluster:SiloTls:KeyFile"] = prefix + ".key";
        settings["SwarmCluster:SiloTls:CaFile"] = prefix + "-ca.crt";
    }

    private static X509Certificate2 NewAuthority(string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.DigitalSignature, true));
        return request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-10), DateTimeOffset.UtcNow.AddDays(2));
    }

    private static X509Certificate2 Issue(X509Certificate2 authority, string name)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(
            [new Oid("1.3.6.1.5.5.7.3.1"), new Oid("1.3.6.1.5.5.7.3.2")], false)); // server and client authentication
        var serial = RandomNumberGenerator.GetBytes(16);
        using var issued = request.Create(authority, DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1), serial);
        return issued.CopyWithPrivateKey(key);
    }
}
