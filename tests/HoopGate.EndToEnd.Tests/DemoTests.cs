using System.Diagnostics;
using System.Text.Json;
using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary>
/// <c>hoopgate demo</c> as a newcomer runs it: a real process that starts its own PostgreSQL, issuer and gateway,
/// answers psql with masked rows, and removes everything on SIGTERM.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class DemoTests
{
    [Fact]
    public async Task Demo_starts_answers_psql_with_masked_rows_and_cleans_up_on_sigterm()
    {
        string info = Path.Combine(Path.GetTempPath(), "hoopgate-demo-test-" + Guid.NewGuid().ToString("N") + ".json");
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hoopgate"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in (string[])["demo", "--port", "0", "--admin-port", "0", "--patients", "50", "--info-file", info])
        {
            start.ArgumentList.Add(argument);
        }

        using var demo = Process.Start(start)!;
        Task<string> output = demo.StandardOutput.ReadToEndAsync();
        Task<string> errors = demo.StandardError.ReadToEndAsync();
        try
        {
            JsonElement details = await WaitForInfoAsync(info, demo, errors);
            string directory = Path.GetDirectoryName(details.GetProperty("config_file").GetString())!;
            int port = details.GetProperty("gateway_port").GetInt32();

            ProcessRunner.Result token = await ProcessRunner.RunAsync(
                Path.Combine(AppContext.BaseDirectory, "hoopgate"),
                ["dev-token", "--issuer", details.GetProperty("issuer_url").GetString()!, "--key-file", details.GetProperty("issuer_key_file").GetString()!,
                    "--sub", "analyst@demo.example", "--groups", details.GetProperty("groups").GetProperty("analyst").GetString()!],
                TimeSpan.FromSeconds(30)).Within();
            Assert.True(token.ExitCode == 0, token.StandardError);
            ProcessRunner.Result psql = await ProcessRunner.RunAsync(
                "psql",
                ["-X", "-A", "-t", "-c", "SELECT ssn, diagnosis FROM clinic.patients ORDER BY id LIMIT 1",
                    "postgresql://analyst@127.0.0.1:" + port + "/clinic?sslmode=disable"],
                TimeSpan.FromSeconds(30),
                new Dictionary<string, string> { ["PGPASSWORD"] = token.StandardOutput.Trim() }).Within();

            Assert.True(psql.ExitCode == 0, psql.Combined);
            Assert.StartsWith("***-**-", psql.StandardOutput.Trim(), StringComparison.Ordinal);
            Assert.True(Directory.Exists(directory));

            // The compliance console sends a browser to the issuer's login page, which offers the demo's people.
            using var http = new HttpClient(new HttpClientHandler { AllowAutoRedirect = false });
            HttpResponseMessage console = await http.GetAsync(details.GetProperty("console_url").GetString()).Within();
            Assert.Equal(System.Net.HttpStatusCode.Redirect, console.StatusCode);
            string login = await http.GetStringAsync(console.Headers.Location).Within();
            Assert.Contains("Abe Approver", login, StringComparison.Ordinal);
            Assert.Contains("Audrey Auditor", login, StringComparison.Ordinal);

            Assert.Equal(0, Kill(demo.Id, "TERM"));
            await demo.WaitForExitAsync().Within(TimeSpan.FromSeconds(60));
            Assert.Equal(0, demo.ExitCode);
            string printed = await output;
            Assert.Contains("HoopGate demo is running", printed, StringComparison.Ordinal);
            Assert.Contains("hoopgate_audit.statements", printed, StringComparison.Ordinal);
            Assert.False(Directory.Exists(directory), "the demo left " + directory + " behind");
            Assert.False(File.Exists(info));
        }
        finally
        {
            if (!demo.HasExited)
            {
                demo.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<JsonElement> WaitForInfoAsync(string path, Process demo, Task<string> errors)
    {
        for (int attempt = 0; attempt < 900; attempt++)
        {
            if (File.Exists(path))
            {
                using JsonDocument json = JsonDocument.Parse(await File.ReadAllTextAsync(path));
                return json.RootElement.Clone();
            }

            if (demo.HasExited)
            {
                throw new InvalidOperationException("the demo exited with " + demo.ExitCode + ": " + await errors);
            }

            await Task.Delay(100);
        }

        throw new InvalidOperationException("the demo wrote no info file within 90 s");
    }

    [Fact]
    public async Task The_dev_issuer_commands_login_page_offers_the_users_named_on_its_command_line()
    {
        var start = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "hoopgate"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in new[] { "dev-issuer", "--port", "0", "--user", "ann@example.org:approvers,staff", "--user", "bo@example.org", "--client-id", "my-console" })
        {
            start.ArgumentList.Add(argument);
        }

        using var issuer = Process.Start(start)!;
        try
        {
            string? line;
            string? url = null;
            while (url is null && (line = await issuer.StandardOutput.ReadLineAsync().Within()) is not null)
            {
                url = line.StartsWith("issuer: ", StringComparison.Ordinal) ? line["issuer: ".Length..] : null;
            }

            Assert.NotNull(url);
            using var http = new HttpClient();
            string query = "?response_type=code&client_id=my-console&redirect_uri=" + Uri.EscapeDataString("http://127.0.0.1:9/cb")
                + "&code_challenge=abc&code_challenge_method=S256";
            string page = await http.GetStringAsync(url + "/authorize" + query).Within();
            Assert.Contains("id=\"user-ann@example.org\"", page, StringComparison.Ordinal);
            Assert.Contains("approvers, staff", page, StringComparison.Ordinal);
            Assert.Contains("id=\"user-bo@example.org\"", page, StringComparison.Ordinal);
            using HttpResponseMessage other = await http.GetAsync(url + "/authorize" + query.Replace("my-console", "hoopgate-console", StringComparison.Ordinal)).Within();
            Assert.Equal(System.Net.HttpStatusCode.BadRequest, other.StatusCode);
        }
        finally
        {
            issuer.Kill();
            await issuer.WaitForExitAsync().Within();
        }
    }

    private static int Kill(int processId, string signal)
    {
        using var kill = Process.Start("kill", ["-" + signal, processId.ToString(System.Globalization.CultureInfo.InvariantCulture)])!;
        kill.WaitForExit();
        return kill.ExitCode;
    }
}
