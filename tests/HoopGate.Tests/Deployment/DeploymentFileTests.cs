using HoopGate.Testing;
using HoopGate.Tests.Policy;
using YamlDotNet.RepresentationModel;

namespace HoopGate.Tests.Deployment;

/// <summary>
/// The container, cluster and systemd files, checked without running them (no Docker engine or cluster runs here): by
/// the tools their platforms use (<c>tests/deploy/check.sh</c>: docker-compose config, the Kubernetes API schemas, a
/// Dockerfile linter, systemd-analyze verify), each also shown a broken copy; and what they mount and run exists.
/// </summary>
public class DeploymentFileTests
{
    private static readonly string s_root = PolicyLoaderTests.RepositoryRoot();
    private static readonly string s_check = Path.Combine(s_root, "tests", "deploy", "check.sh");

    [Fact]
    public async Task Compose_file_manifests_dockerfile_and_unit_pass_their_platforms_checkers()
    {
        ProcessRunner.Result result = await CheckAsync([]);

        Assert.True(result.ExitCode == 0, result.Combined);
        Assert.Contains("valid: " + Path.Combine(s_root, "deploy", "kubernetes", "hoopgate.yaml") + ": StatefulSet hoopgate", result.StandardOutput, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--compose", "docker/compose.yaml", "    healthcheck:", "    helthcheck:", "Unsupported config option")]
    [InlineData("--kubernetes", "deploy/kubernetes/hoopgate.yaml", "containerPort: 6433", "containerPort: \"6433\"", "containerPort must be integer")]
    [InlineData("--dockerfile", "docker/Dockerfile", "EXPOSE 6432 6433", "EXPOSE 6432 admin", "Invalid containerPort")]
    [InlineData("--unit", "deploy/systemd/hoopgate.service", "Type=notify", "Tpye=notify", "Unknown key")]
    public async Task Each_checker_refuses_a_broken_copy_of_its_file(string option, string file, string from, string to, string complaint)
    {
        string original = await File.ReadAllTextAsync(Path.Combine(s_root, file));
        Assert.Contains(from, original, StringComparison.Ordinal);
        string directory = Directory.CreateTempSubdirectory("hoopgate-deploy-").FullName;
        try
        {
            string broken = Path.Combine(directory, Path.GetFileName(file));
            await File.WriteAllTextAsync(broken, original.Replace(from, to, StringComparison.Ordinal));

            ProcessRunner.Result result = await CheckAsync([option, broken]);

            Assert.Equal(1, result.ExitCode);
            Assert.Contains(complaint, result.Combined, StringComparison.Ordinal);
            Assert.Contains("FAILED: " + broken, result.StandardError, StringComparison.Ordinal);
            Assert.Single(result.StandardError.Split('\n'), line => line.StartsWith("FAILED: ", StringComparison.Ordinal));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void Compose_file_parses_and_every_file_it_mounts_exists()
    {
        string directory = Path.Combine(s_root, "docker");
        YamlMappingNode compose = Load(Path.Combine(directory, "compose.yaml")).Single();
        var services = (YamlMappingNode)compose.Children[new YamlScalarNode("services")];
        Assert.Contains(new YamlScalarNode("gateway-1"), services.Children.Keys);
        Assert.Contains(new YamlScalarNode("gateway-2"), services.Children.Keys);

        var mounts = services.Children.Values.OfType<YamlMappingNode>()
            .Where(s => s.Children.ContainsKey(new YamlScalarNode("volumes")))
            .SelectMany(s => ((YamlSequenceNode)s.Children[new YamlScalarNode("volumes")]).Children.OfType<YamlScalarNode>())
            .Select(v => v.Value!.Split(':')[0])
            .Where(source => source.StartsWith('.'))
            .ToList();
        Assert.NotEmpty(mounts);
        Assert.All(mounts, source => Assert.True(Path.Exists(Path.Combine(directory, source)), source + " does not exist"));
    }

    [Fact]
    public void Kubernetes_manifests_parse_and_probe_the_admin_api()
    {
        List<YamlMappingNode> documents = Load(Path.Combine(s_root, "deploy", "kubernetes", "hoopgate.yaml"));
        string[] kinds = documents.Select(d => ((YamlScalarNode)d.Children[new YamlScalarNode("kind")]).Value!).ToArray();

        Assert.Equal(["Service", "Service", "StatefulSet", "PodDisruptionBudget"], kinds);
        string text = File.ReadAllText(Path.Combine(s_root, "deploy", "kubernetes", "hoopgate.yaml"));
        Assert.Contains("/app/hoopgate\", \"probe\"", text, StringComparison.Ordinal);
        Assert.Contains("path: /healthz", text, StringComparison.Ordinal);
    }

    [Fact]
    public void Dockerfile_healthcheck_and_the_systemd_unit_run_commands_the_executable_has()
    {
        string dockerfile = File.ReadAllText(Path.Combine(s_root, "docker", "Dockerfile"));
        string unit = File.ReadAllText(Path.Combine(s_root, "deploy", "systemd", "hoopgate.service"));
        string program = File.ReadAllText(Path.Combine(s_root, "src", "HoopGate", "Program.cs"));

        Assert.Contains("HEALTHCHECK", dockerfile, StringComparison.Ordinal);
        Assert.Contains("ProbeCommand.Create()", program, StringComparison.Ordinal);
        Assert.Contains("Type=notify", unit, StringComparison.Ordinal);
        Assert.Contains("ExecStart=/opt/hoopgate/hoopgate run --config", unit, StringComparison.Ordinal);
    }

    private static Task<ProcessRunner.Result> CheckAsync(string[] arguments) =>
        ProcessRunner.RunAsync("bash", [s_check, .. arguments], TimeSpan.FromMinutes(3)).Within(TimeSpan.FromMinutes(4));

    private static List<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }
}
