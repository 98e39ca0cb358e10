namespace HoopGate.Gateway.Upstream;

/// <summary>Where the gateway's server password comes from: configuration (or its environment override) or a file.</summary>
internal static class UpstreamPassword
{
    /// <summary>
    /// Returns a function that yields the password. A file is read at each connection, so a rotated secret
    /// takes effect without a restart.
    /// </summary>
    public static Func<string> CreateResolver(string? configured, string? file)
    {
        if (file is { Length: > 0 } path)
        {
            return () =>
            {
                using var reader = new StreamReader(path);
                return reader.ReadLine() ?? "";
            };
        }

        string password = configured ?? "";
        return () => password;
    }
}
