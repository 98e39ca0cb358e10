namespace HoopGate.Gateway;

/// <summary>Log event ids of the gateway, one range per area.</summary>
internal static class EventIds
{
    // 1xxx listener
    public const int ListenerStarted = 1000;
    public const int ListenerStopping = 1001;
    public const int ConnectionRejected = 1002;
    public const int AcceptFailed = 1003;
    public const int SessionsAborted = 1004;
    public const int PseudonymKeyRandom = 1005;

    // 2xxx sessions
    public const int SessionStarted = 2000;
    public const int SessionEnded = 2001;
    public const int StartupFailed = 2002;
    public const int AuthenticationFailed = 2003;
    public const int ServerConnectFailed = 2004;
    public const int ProtocolViolation = 2005;
    public const int SessionFailed = 2006;
    public const int TrackingAnomaly = 2007;
    public const int AuthenticationSucceeded = 2008;
    public const int StatementRefused = 2009;

    // 3xxx cancel
    public const int CancelForwardedToServer = 3000;
    public const int CancelForwardedToPeer = 3001;
    public const int CancelIgnored = 3002;
    public const int CancelWithdrewReview = 3003;

    // 4xxx server sessions
    public const int ServerSessionResetFailed = 4000;
}
