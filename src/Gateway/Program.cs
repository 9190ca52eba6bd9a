using SwarmCluster.Gateway;
using SwarmCluster.Gateway.Claude;

// dotnet run --project src/Gateway [-- --stdio | claude-register [--url URL] [--name NAME] | claude-config]
return args switch
{
    ["claude-register", .. var rest] => await ClaudeIntegration.RegisterAsync(rest),
    ["claude-config", .. var rest] => ClaudeIntegration.PrintDesktopConfig(rest),
    _ when args.Contains("--stdio") => await GatewayHost.RunStdioAsync(args),
    _ => await GatewayHost.RunHttpAsync(args),
};
