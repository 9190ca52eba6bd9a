using SwarmCluster.Gateway;
using SwarmCluster.Gateway.Claude;
using SwarmCluster.Gateway.Stdio;
using SwarmCluster.Hosting;

// dotnet run --project src/Gateway [-- --stdio [--private] | claude-register [...] | claude-config [...]
//                                   | create-key --tenant T --scopes S1,S2 [--name N] | write-greeting DIR]
// Decided before anything else runs: a --stdio bridge must start in a fraction of a second, so it never builds the
// Orleans/ASP.NET host (that is the gateway it forwards to).
try
{
    return args switch
    {
        ["claude-register", .. var rest] => await ClaudeIntegration.RegisterAsync(rest),
        ["claude-config", .. var rest] => ClaudeIntegration.PrintDesktopConfig(rest),
        ["create-key", .. var rest] => SwarmCluster.Gateway.Security.ApiKeys.CreateKeyCommand(rest),
        ["write-greeting", var directory] => await BridgeGreeting.WriteForBuildAsync(directory),
        _ when args.Contains("--stdio") && args.Contains("--private") => await GatewayHost.RunStdioAsync(args),
        _ when args.Contains("--stdio") => StdioBridge.Run(args),
        _ => await GatewayHost.RunHttpAsync(BackgroundLog.Apply(args)),
    };
}
catch (DataDirectoryLockedException e)
{
    Console.Error.WriteLine(e.Message);
    return 3;
}
catch (Exception e) when (e is InvalidOperationException or Microsoft.Extensions.Options.OptionsValidationException)
{
    // A setting refused at start: said on Console.Error, which a background gateway writes to its log (an unhandled
    // exception would go to the original stderr, gone with the bridge that started it).
    Console.Error.WriteLine($"swarmcluster: not started: {e.Message}");
    return 1;
}
