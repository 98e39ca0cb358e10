using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>auth_success or auth_failure.</summary>
public sealed class AuthenticationEvent : AuditEvent
{
    /// <inheritdoc />
    public override AuditRecordKind Kind => Succeeded ? AuditRecordKind.AuthenticationSucceeded : AuditRecordKind.AuthenticationFailed;

    /// <summary>Whether the client was let in.</summary>
    public required bool Succeeded { get; init; }

    /// <summary>The subject (success) or the user name the client gave (failure).</summary>
    public required string User { get; init; }

    /// <summary>Groups, on success.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The database asked for.</summary>
    public required string Database { get; init; }

    /// <summary>The client's address.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>TLS between client and gateway.</summary>
    public bool ClientTls { get; init; }

    /// <summary>On failure, the SQLSTATE the client got.</summary>
    public string? SqlState { get; init; }

    /// <summary>On failure, why (never the credential).</summary>
    public string? Reason { get; init; }

    /// <inheritdoc />
    public override void WriteData(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString("user", User);
        WriteStrings(writer, "groups", Groups);
        writer.WriteString("database", Database);
        SessionStartEvent.WriteOptional(writer, "client_address", ClientAddress);
        writer.WriteBoolean("client_tls", ClientTls);
        SessionStartEvent.WriteOptional(writer, "sqlstate", SqlState);
        SessionStartEvent.WriteOptional(writer, "reason", Reason);
    }
}
