using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>session_end.</summary>
public sealed class SessionEndEvent : AuditEvent
{
    /// <inheritdoc />
    public override AuditRecordKind Kind => AuditRecordKind.SessionEnd;

    /// <summary>Why the session ended (client terminated, server closed, token expired, shutdown…).</summary>
    public required string Reason { get; init; }

    /// <summary>Statements the session ran.</summary>
    public long Statements { get; init; }

    /// <inheritdoc />
    public override void WriteData(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString("reason", Reason);
        writer.WriteNumber("statements", Statements);
    }
}
