using HoopGate.Tests.Policy;
using YamlDotNet.RepresentationModel;

namespace HoopGate.Tests.Deployment;

/// <summary>
/// The container and cluster files, checked statically (no Docker engine or cluster runs here): they parse, and what
/// they mount and run exists.
/// </summary>
public class DeploymentFileTests
{
    private static readonly string s_root = PolicyLoaderTests.RepositoryRoot();

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

    private static List<YamlMappingNode> Load(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(path);
        stream.Load(reader);
        return stream.Documents.Select(d => (YamlMappingNode)d.RootNode).ToList();
    }
}
