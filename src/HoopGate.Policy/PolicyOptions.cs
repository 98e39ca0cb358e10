namespace HoopGate.Policy;

/// <summary>Where the policy comes from, bound from <c>HoopGate:Policy</c>.</summary>
public sealed class PolicyOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Policy";

    /// <summary>
    /// The policy file (docs/policy.md). Required: without one the gateway does not start. The executable defaults it to
    /// <c>policy.yaml</c> beside the configuration file. The file is reloaded when it changes and on SIGHUP.
    /// </summary>
    public string? Path { get; set; }

    /// <summary>
    /// Watch the file and reload it when it changes (default true). SIGHUP reloads it either way. Reloads are debounced
    /// by <see cref="ReloadDelayMilliseconds"/> so that an editor's save, written in several steps, is read once.
    /// </summary>
    public bool WatchFile { get; set; } = true;

    /// <summary>How long a change must settle before the file is read (milliseconds, default 300).</summary>
    public int ReloadDelayMilliseconds { get; set; } = 300;
}
