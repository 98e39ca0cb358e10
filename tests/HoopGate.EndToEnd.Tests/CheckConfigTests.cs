using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary><c>hoopgate check-config</c> on broken files, as a DBA runs it before a restart: every problem, and where it is.</summary>
public sealed class CheckConfigTests
{
    private static readonly string s_hoopgate = Path.Combine(AppContext.BaseDirectory, "hoopgate");

    [Fact]
    public async Task Check_config_names_every_problem_of_a_broken_file_and_fails()
    {
        string directory = Directory.CreateTempSubdirectory("hoopgate-check-").FullName;
        string config = Path.Combine(directory, "hoopgate.json");
        await File.WriteAllTextAsync(Path.Combine(directory, "policy.yaml"), "version: 1\neveryone:\n  statments: [select]\n");
        await File.WriteAllTextAsync(config, """
            {
              "HoopGate": {
                "Gateway": { "Port": 70000, "Tls": { "Required": true } },
                "Upstream": { "Host": "127.0.0.1", "Port": 5432, "User": "hoopgate", "Password": "x" },
                "Authentication": { "Mode": "Oidc" },
                "Oidc": { "Issuers": [ { "Issuer": "https://login.example.org/realms/clinic", "Audiences": [ "hoopgate" ] } ] },
                "Audit": { "Mode": "Async", "ConnectionString": "Host=127.0.0.1;Database=a", "SpoolDirectory": "/tmp/hoopgate-check-spool", "ParameterKey": "k-0123456789abcdef0123456789abcdef" },
                "Approvals": { "WebhookUrl": "ftp://chat.example.org/hook" },
                "Admin": { "Enabled": true, "ListenAddress": "0.0.0.0" }
              }
            }
            """);

        ProcessRunner.Result result = await ProcessRunner.RunAsync(s_hoopgate, ["check-config", "--config", config], TimeSpan.FromSeconds(60)).Within();

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is not valid", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("Tls:Required", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("HoopGate:Approvals:WebhookUrl", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("HoopGate:Admin:ListenAddress", result.StandardError, StringComparison.Ordinal);
        Assert.Contains("policy.yaml:3:3: unknown key 'statments'", result.StandardError, StringComparison.Ordinal);
        Directory.Delete(directory, recursive: true);
    }
}
