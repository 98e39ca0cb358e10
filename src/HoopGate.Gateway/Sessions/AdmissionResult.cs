namespace HoopGate.Gateway.Sessions;

/// <summary>Whether a new connection got a slot; disposing it gives the slot back.</summary>
internal sealed class AdmissionResult : IDisposable
{
    private Action? _release;

    public AdmissionResult(string? rejection, Action? release)
    {
        Rejection = rejection;
        _release = release;
    }

    /// <summary>The FATAL message for a connection over a limit; <see langword="null"/> when admitted.</summary>
    public string? Rejection { get; }

    public static AdmissionResult Rejected(string message) => new(message, null);

    public void Dispose() => Interlocked.Exchange(ref _release, null)?.Invoke();
}
