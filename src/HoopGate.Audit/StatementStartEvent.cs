using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>statement_start: written, and in strict mode fsync'd, before the statement reaches the server.</summary>
public sealed class StatementStartEvent : AuditEvent
{
    /// <inheritdoc />
    public override AuditRecordKind Kind => AuditRecordKind.StatementStart;

    /// <summary>The statement's number in its session (1, 2, …), which its finish record repeats.</summary>
    public required long Statement { get; init; }

    /// <summary><c>simple</c> (Query) or <c>extended</c> (Parse/Execute).</summary>
    public required string Protocol { get; init; }

    /// <summary>The SQL as sent (or normalised, as configured).</summary>
    public required string Sql { get; init; }

    /// <summary>libpg_query's fingerprint.</summary>
    public string? Fingerprint { get; init; }

    /// <summary>Statement kinds (<c>select, delete</c>).</summary>
    public string? Kinds { get; init; }

    /// <summary>Tables read.</summary>
    public IReadOnlyList<string> TablesRead { get; init; } = [];

    /// <summary>Tables written.</summary>
    public IReadOnlyList<string> TablesWritten { get; init; } = [];

    /// <summary><c>allow</c>, <c>deny</c> or <c>review</c>.</summary>
    public required string Decision { get; init; }

    /// <summary>The rule that decided, when one did.</summary>
    public string? Rule { get; init; }

    /// <summary>The rule's reason.</summary>
    public string? Reason { get; init; }

    /// <summary>The review request whose approval this statement ran under, or that it filed or waited on.</summary>
    public long? Approval { get; init; }

    /// <summary>The bound parameters as recorded (hashed or raw; null entries are SQL NULLs); null when not recorded.</summary>
    public IReadOnlyList<string?>? Parameters { get; init; }

    /// <summary>Why the parameters are missing when they are (<c>too large</c>, <c>not recorded</c>).</summary>
    public string? ParametersOmitted { get; init; }

    /// <summary>
    /// Statements the client parsed under a name that this SQL executes (<c>EXECUTE s1</c>), with the SQL each was parsed
    /// as; null when it executes none the gateway saw parsed. A field of its own, so the client cannot write it.
    /// </summary>
    public IReadOnlyList<KeyValuePair<string, string>>? Executes { get; init; }

    /// <inheritdoc />
    public override void WriteData(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteNumber("statement", Statement);
        writer.WriteString("protocol", Protocol);
        writer.WriteString("sql", Sql);
        if (Executes is { Count: > 0 } executes)
        {
            writer.WriteStartArray("executes");
            foreach ((string name, string sql) in executes)
            {
                writer.WriteStartObject();
                writer.WriteString("name", name);
                writer.WriteString("sql", sql);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        SessionStartEvent.WriteOptional(writer, "fingerprint", Fingerprint);
        SessionStartEvent.WriteOptional(writer, "kinds", Kinds);
        WriteList(writer, "tables_read", TablesRead);
        WriteList(writer, "tables_written", TablesWritten);
        writer.WriteString("decision", Decision);
        SessionStartEvent.WriteOptional(writer, "rule", Rule);
        SessionStartEvent.WriteOptional(writer, "reason", Reason);
        if (Approval is { } approval)
        {
            writer.WriteNumber("approval", approval);
        }

        if (Parameters is not null)
        {
            writer.WriteStartArray("parameters");
            foreach (string? parameter in Parameters)
            {
                if (parameter is null)
                {
                    writer.WriteNullValue();
                }
                else
                {
                    writer.WriteStringValue(parameter);
                }
            }

            writer.WriteEndArray();
        }
        else if (ParametersOmitted is not null)
        {
            writer.WriteString("parameters_omitted", ParametersOmitted);
        }
    }

    private static void WriteList(Utf8JsonWriter writer, string name, IReadOnlyList<string> values)
    {
        writer.WriteStartArray(name);
        foreach (string value in values)
        {
            writer.WriteStringValue(value);
        }

        writer.WriteEndArray();
    }
}
