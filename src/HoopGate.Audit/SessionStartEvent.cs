using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>session_start.</summary>
public sealed class SessionStartEvent : AuditEvent
{
    /// <inheritdoc />
    public override AuditRecordKind Kind => AuditRecordKind.SessionStart;

    /// <summary>The identity's subject.</summary>
    public required string Subject { get; init; }

    /// <summary>The token's issuer (several identity providers may use the same subjects).</summary>
    public string? Issuer { get; init; }

    /// <summary>E-mail, when the token had one.</summary>
    public string? Email { get; init; }

    /// <summary>Client id of a machine identity, when the token had one.</summary>
    public string? ClientId { get; init; }

    /// <summary>The identity's groups.</summary>
    public IReadOnlyList<string> Groups { get; init; } = [];

    /// <summary>The client's address.</summary>
    public string? ClientAddress { get; init; }

    /// <summary>The client's application_name.</summary>
    public string? Application { get; init; }

    /// <summary>The database.</summary>
    public required string Database { get; init; }

    /// <summary>The upstream role the session logged in as.</summary>
    public string? UpstreamRole { get; init; }

    /// <summary>TLS between client and gateway.</summary>
    public bool ClientTls { get; init; }

    /// <summary>The server backend's process id.</summary>
    public int ServerProcessId { get; init; }

    /// <inheritdoc />
    public override void WriteData(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteString("subject", Subject);
        WriteOptional(writer, "issuer", Issuer);
        WriteOptional(writer, "email", Email);
        WriteOptional(writer, "client_id", ClientId);
        WriteStrings(writer, "groups", Groups);
        WriteOptional(writer, "client_address", ClientAddress);
        WriteOptional(writer, "application", Application);
        writer.WriteString("database", Database);
        WriteOptional(writer, "upstream_role", UpstreamRole);
        writer.WriteBoolean("client_tls", ClientTls);
        writer.WriteNumber("server_pid", ServerProcessId);
    }

    internal static void WriteOptional(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is null)
        {
            writer.WriteNull(name);
        }
        else
        {
            writer.WriteString(name, value);
        }
    }
}
