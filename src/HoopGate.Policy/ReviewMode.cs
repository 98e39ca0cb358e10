namespace HoopGate.Policy;

/// <summary>How a client whose statement is held for approval learns the outcome.</summary>
public enum ReviewMode
{
    /// <summary>The session holds the statement until it is approved, denied or times out (the client sees a slow query).</summary>
    Wait,

    /// <summary>The client gets an error naming the request; re-running the same SQL after approval runs it once.</summary>
    Retry,
}
