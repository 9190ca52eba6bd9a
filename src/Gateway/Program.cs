using SwarmCluster.Gateway;
using SwarmCluster.Gateway.Claude;

// dotnet run --project src/Gateway [-- --stdio | claude-register [--url URL] [--name NAME] [--token KEY] | claude-config
//                                   | create-key --tenant T --scopes S1,S2 [--name N]]
return args switch
{
    ["claude-register", .. var rest] => await ClaudeIntegration.RegisterAsync(rest),
    ["claude-config", .. var rest] => ClaudeIntegration.PrintDesktopConfig(rest),
    ["create-key", .. var rest] => SwarmCluster.Gateway.Security.ApiKeys.CreateKeyCommand(rest),
    _ when args.Contains("--stdio") => await GatewayHost.RunStdioAsync(args),
    _ => await GatewayHost.RunHttpAsync(args),
};
