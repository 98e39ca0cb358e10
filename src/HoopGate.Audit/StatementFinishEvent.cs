using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>statement_finish.</summary>
public sealed class StatementFinishEvent : AuditEvent
{
    /// <inheritdoc />
    public override AuditRecordKind Kind => AuditRecordKind.StatementFinish;

    /// <summary>The statement's number in its session.</summary>
    public required long Statement { get; init; }

    /// <summary><c>completed</c>, <c>failed</c>, <c>refused</c> (by policy) or <c>skipped</c> (after an earlier error in its batch).</summary>
    public required string Outcome { get; init; }

    /// <summary>Rows returned or affected (from CommandComplete).</summary>
    public long Rows { get; init; }

    /// <summary>The command tags, in order (<c>SELECT 1</c>, <c>INSERT 0 3</c>).</summary>
    public string? CommandTags { get; init; }

    /// <summary>SQLSTATE of the error, when it failed.</summary>
    public string? SqlState { get; init; }

    /// <summary>The error's message, when it failed.</summary>
    public string? Message { get; init; }

    /// <summary>From the statement's start record to its completion (milliseconds).</summary>
    public double DurationMilliseconds { get; init; }

    /// <summary>Result columns whose values were masked (<c>schema.table.column:class</c>).</summary>
    public IReadOnlyList<string>? MaskedColumns { get; init; }

    /// <summary>Protected columns returned raw under an unmask grant.</summary>
    public IReadOnlyList<string>? UnmaskedColumns { get; init; }

    /// <inheritdoc />
    public override void WriteData(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumber("statement", Statement);
        writer.WriteString("outcome", Outcome);
        writer.WriteNumber("rows", Rows);
        SessionStartEvent.WriteOptional(writer, "command_tags", CommandTags);
        SessionStartEvent.WriteOptional(writer, "sqlstate", SqlState);
        SessionStartEvent.WriteOptional(writer, "message", Message);
        writer.WriteNumber("duration_ms", Math.Round(DurationMilliseconds, 3));
        WriteList(writer, "masked_columns", MaskedColumns);
        WriteList(writer, "unmasked_columns", UnmaskedColumns);
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<string>? values)
    {
        if (values is not { Count: > 0 })
        {
            return;
        }

        WriteStrings(writer, name, values);
    }
}
