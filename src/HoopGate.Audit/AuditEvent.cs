using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>
/// One thing to record. The spool gives it a sequence number, a time and a place in the instance's hash chain, and
/// writes its data as the <c>data</c> object of the record.
/// </summary>
public abstract class AuditEvent
{
    /// <summary>What the record tells.</summary>
    public abstract AuditRecordKind Kind { get; }

    /// <summary>The session the record belongs to, if any.</summary>
    public Guid? SessionId { get; init; }

    /// <summary>When it happened.</summary>
    public DateTimeOffset OccurredAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Writes the record's <c>data</c> properties (the object is opened and closed by the caller).</summary>
    public abstract void WriteData(Utf8JsonWriter writer);

    /// <summary>Writes <paramref name="values"/> as a JSON array of strings named <paramref name="name"/>.</summary>
    protected static void WriteStrings(Utf8JsonWriter writer, string name, IEnumerable<string> values)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(values);
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }

    /// <summary>The name stored in the <c>kind</c> column.</summary>
    public static string KindName(AuditRecordKind kind) => kind switch
    {
        AuditRecordKind.SessionStart => "session_start",
        AuditRecordKind.SessionEnd => "session_end",
        AuditRecordKind.StatementStart => "statement_start",
        AuditRecordKind.StatementFinish => "statement_finish",
        AuditRecordKind.AuthenticationSucceeded => "auth_success",
        AuditRecordKind.AuthenticationFailed => "auth_failure",
        AuditRecordKind.ConsoleAccess => "console_access",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "no record kind of that name"),
    };
}
