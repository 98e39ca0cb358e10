namespace HoopGate.Testing;

/// <summary>Policy files for tests, each in a directory of its own (a reload test's watcher sees only its own file).</summary>
public static class TestPolicy
{
    /// <summary>
    /// Grants everything: the policy that tests of the relay, authentication and clients run under. The built-in rules
    /// (identity, forbidden functions, server-side COPY) still apply, as they do under any policy.
    /// </summary>
    public const string Permissive = """
        version: 1
        everyone:
          statements: [all]
          read: ["*.*"]
          write: ["*.*"]
        """;

    private static readonly Lazy<string> s_permissivePath = new(() => Write(Permissive));

    /// <summary>A shared file holding <see cref="Permissive"/>.</summary>
    public static string PermissivePath => s_permissivePath.Value;

    /// <summary>Writes <paramref name="yaml"/> to a new file and returns its path.</summary>
    public static string Write(string yaml)
    {
        string directory = Path.Combine(Path.GetTempPath(), "hoopgate-policy-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        string path = Path.Combine(directory, "policy.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Replaces a policy file's contents the way an editor does: write a new file, then rename it over the old one.</summary>
    public static void Replace(string path, string yaml)
    {
        string temporary = path + ".tmp";
        File.WriteAllText(temporary, yaml);
        File.Move(temporary, path, overwrite: true);
    }
}
