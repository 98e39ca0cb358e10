namespace HoopGate.Audit;

/// <summary>The outcome of <see cref="AuditVerifier.VerifyAsync"/>.</summary>
/// <param name="Intact">True when every chain checked out.</param>
/// <param name="Records">Records checked before the first broken link (all of them when intact).</param>
/// <param name="Instance">The instance of the first broken link.</param>
/// <param name="Sequence">The sequence number of the first broken link.</param>
/// <param name="Problem">What is wrong with it.</param>
public sealed record AuditVerification(bool Intact, long Records, Guid? Instance, long? Sequence, string? Problem);
