namespace HoopGate.Demo;

/// <summary>What <c>hoopgate demo</c> was asked for.</summary>
internal sealed class DemoOptions
{
    /// <summary>The gateway's port (0 picks a free one).</summary>
    public int Port { get; init; } = 6432;

    /// <summary>The admin API's port (0 picks a free one).</summary>
    public int AdminPort { get; init; } = 6433;

    /// <summary>How many fictitious patients the clinic database holds.</summary>
    public int Patients { get; init; } = 1000;

    /// <summary>Where to write the JSON file for scripts once everything is ready (removed on stop).</summary>
    public string? InfoFile { get; init; }
}
