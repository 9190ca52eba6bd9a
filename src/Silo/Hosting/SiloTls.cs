using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Configuration;
using Orleans.Connections.Security;

namespace SwarmCluster.Hosting;

/// <summary>
/// Optional mutual TLS between silos (SwarmCluster:SiloTls): every silo presents CertificateFile/KeyFile (PEM, the
/// layout of a kubernetes.io/tls Secret) and accepts only peers whose certificate chains to CaFile. Host names are
/// not checked: silos dial pod IPs, and the private CA is what makes a peer one of ours.
/// </summary>
public static class SiloTls
{
    public const string Section = "SwarmCluster:SiloTls";

    public static void Configure(ISiloBuilder silo, IConfiguration configuration)
    {
        var section = configuration.GetSection(Section);
        var certificateFile = section["CertificateFile"];
        if (string.IsNullOrWhiteSpace(certificateFile))
            return;
        var keyFile = Required(section, "KeyFile");
        var caFile = Required(section, "CaFile");
        foreach (var (name, file) in new[] { ("CertificateFile", certificateFile), ("KeyFile", keyFile), ("CaFile", caFile) })
            if (!File.Exists(file))
                throw new InvalidOperationException($"{Section}:{name}: '{file}' does not exist");

        using var pem = X509Certificate2.CreateFromPemFile(certificateFile, keyFile);
        // SslStream on Linux wants a certificate whose key is not ephemeral.
        var certificate = X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
        var authority = X509CertificateLoader.LoadCertificateFromFile(caFile);

        silo.UseTls(certificate, tls =>
        {
            tls.RemoteCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.ClientCertificateMode = RemoteCertificateMode.RequireCertificate;
            tls.RemoteCertificateValidation = (peer, _, errors) => IssuedBy(peer, authority, errors);
        });
    }

    /// <summary>The peer's certificate chains to our CA (name mismatches are expected: peers are dialled by IP).</summary>
    public static bool IssuedBy(X509Certificate2? peer, X509Certificate2 authority, SslPolicyErrors errors)
    {
        if (peer is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(peer);
    }

    private static string Required(IConfigurationSection section, string name) =>
        section[name] is { Length: > 0 } value ? value
            : throw new InvalidOperationException($"{Section}:{name} is required with {Section}:CertificateFile (PEM files, e.g. tls.key and ca.crt of the Secret)");
}
