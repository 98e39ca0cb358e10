using HoopGate.Policy;
using HoopGate.Sql;

namespace HoopGate.Gateway.Interception;

/// <summary>A Query or Parse that policy holds for review, waiting (unconsumed in the relay's buffer) for its outcome.</summary>
/// <param name="Code">Query or Parse.</param>
/// <param name="Sql">Its SQL as sent.</param>
/// <param name="Analysis">The analysis policy judged.</param>
/// <param name="Decision">The review decision, with its rule's settings.</param>
internal sealed record HeldStatement(byte Code, string Sql, SqlAnalysis Analysis, PolicyDecision Decision);
