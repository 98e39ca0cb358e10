using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>
/// console_access: a person signed in to the compliance console, looked at audit data (activity, a statement, the PHI
/// report, its CSV), decided a review request, ended a session or signed out. Audit data shows SQL and sometimes values:
/// reading it is itself access to be accounted for.
/// </summary>
public sealed class ConsoleAccessEvent : AuditEvent
{
    /// <inheritdoc />
    public override AuditRecordKind Kind => AuditRecordKind.ConsoleAccess;

    /// <summary>The person's <c>sub</c>.</summary>
    public required string Subject { get; init; }

    /// <summary>Their name or email, as the identity provider gave it.</summary>
    public string? Name { get; init; }

    /// <summary>Their groups at sign-in.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>sign_in, sign_out, view_inbox, view_activity, view_statement, view_report, download_report, decide, end_session.</summary>
    public required string Action { get; init; }

    /// <summary>What it was about: a search's filters, a statement, a period, a request or session (never SQL text).</summary>
    public string? Target { get; init; }

    /// <summary>The HTTP status the console answered with.</summary>
    public int Status { get; init; }

    /// <summary>The browser's address as the admin port saw it.</summary>
    public string? ClientAddress { get; init; }

    /// <inheritdoc />
    public override void WriteData(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString("subject", Subject);
        writer.WriteString("name", Name);
        WriteStrings(writer, "groups", Groups);
        writer.WriteString("action", Action);
        writer.WriteString("target", Target);
        writer.WriteNumber("status", Status);
        writer.WriteString("client_address", ClientAddress);
    }
}
