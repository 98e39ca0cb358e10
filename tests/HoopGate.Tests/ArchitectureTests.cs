using System.Reflection;

namespace HoopGate.Tests;

/// <summary>Dependency arrows point down (docs/architecture.md): leaves reference no HoopGate assembly.</summary>
public sealed class ArchitectureTests
{
    public static TheoryData<string, string[]> AllowedReferences => new()
    {
        { "HoopGate.Protocol", [] },
        { "HoopGate.Auth", [] },
        { "HoopGate.Sql", [] },
        { "HoopGate.Policy", ["HoopGate.Sql"] },
        { "HoopGate.Audit", [] },
        { "HoopGate.Masking", ["HoopGate.Protocol", "HoopGate.Policy", "HoopGate.Sql"] },
        { "HoopGate.Approvals", ["HoopGate.Audit"] },
        { "HoopGate.Gateway", ["HoopGate.Protocol", "HoopGate.Auth", "HoopGate.Sql", "HoopGate.Policy", "HoopGate.Masking", "HoopGate.Audit", "HoopGate.Approvals"] },
        { "hoopgate", ["HoopGate.Gateway", "HoopGate.Protocol", "HoopGate.Auth", "HoopGate.Sql", "HoopGate.Policy", "HoopGate.Masking", "HoopGate.Audit", "HoopGate.Approvals"] },
    };

    [Theory]
    [MemberData(nameof(AllowedReferences))]
    public void Assemblies_reference_only_the_projects_below_them(string assembly, string[] allowed)
    {
        string[] actual = Assembly.Load(assembly).GetReferencedAssemblies()
            .Select(a => a.Name!)
            .Where(n => n.StartsWith("HoopGate", StringComparison.Ordinal) || n == "hoopgate")
            .ToArray();
        Assert.All(actual, name => Assert.Contains(name, allowed));
    }
}
