using System.Globalization;
using System.Text;
using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>One record line of the spool, parsed: what the shipper copies into the store and the verifier checks.</summary>
public sealed class SpooledRecord
{
    private SpooledRecord(long sequence, Guid instance, DateTime occurredAt, string kind, Guid? sessionId, string json, byte[] previousHash, byte[] hash)
    {
        Sequence = sequence;
        Instance = instance;
        OccurredAt = occurredAt;
        Kind = kind;
        SessionId = sessionId;
        Json = json;
        PreviousHash = previousHash;
        Hash = hash;
    }

    /// <summary>The record's number in its instance's chain.</summary>
    public long Sequence { get; }

    /// <summary>The instance whose chain it belongs to.</summary>
    public Guid Instance { get; }

    /// <summary>When it happened (UTC).</summary>
    public DateTime OccurredAt { get; }

    /// <summary><c>session_start</c>, <c>statement_start</c>…</summary>
    public string Kind { get; }

    /// <summary>The session, when the record belongs to one.</summary>
    public Guid? SessionId { get; }

    /// <summary>The record exactly as hashed.</summary>
    public string Json { get; }

    /// <summary>The hash of the record before it in the chain (zeros for the first).</summary>
    public byte[] PreviousHash { get; }

    /// <summary>SHA-256 of <see cref="PreviousHash"/> followed by <see cref="Json"/>'s UTF-8 bytes.</summary>
    public byte[] Hash { get; }

    /// <summary>Whether <see cref="Hash"/> is what <see cref="PreviousHash"/> and <see cref="Json"/> make.</summary>
    public bool HashIsValid() => AuditSpool.ChainHash(PreviousHash, Encoding.UTF8.GetBytes(Json)).AsSpan().SequenceEqual(Hash);

    /// <summary>Parses one line (with its trailing newline); false for anything torn or malformed.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpooledRecord? record)
    {
        record = null;
        if (line.Length < 2 || line[^1] != (byte)'\n')
        {
            return false;
        }

        line = line[..^1];
        int firstTab = line.IndexOf((byte)'\t');
        int secondTab = firstTab < 0 ? -1 : line[(firstTab + 1)..].IndexOf((byte)'\t');
        if (firstTab < 0 || secondTab < 0)
        {
            return false;
        }

        ReadOnlySpan<byte> json = line[..firstTab];
        ReadOnlySpan<byte> previousHex = line.Slice(firstTab + 1, secondTab);
        ReadOnlySpan<byte> hashHex = line[(firstTab + 1 + secondTab + 1)..];
        if (previousHex.Length != AuditSpool.HashLength * 2 || hashHex.Length != AuditSpool.HashLength * 2)
        {
            return false;
        }

        try
        {
            byte[] previous = Convert.FromHexString(Encoding.ASCII.GetString(previousHex));
            byte[] hash = Convert.FromHexString(Encoding.ASCII.GetString(hashHex));
            return TryParseJson(Encoding.UTF8.GetString(json), previous, hash, out record);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>Builds a record from the store's columns (for verification).</summary>
    public static bool TryParseJson(string json, byte[] previousHash, byte[] hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpooledRecord? record)
    {
        ArgumentNullException.ThrowIfNull(json);
        record = null;
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            JsonElement root = document.RootElement;
            long sequence = root.GetProperty("seq").GetInt64();
            Guid instance = root.TryGetProperty("instance", out JsonElement i) ? i.GetGuid() : Guid.Empty;
            DateTime at = DateTime.Parse(root.GetProperty("at").GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
            string kind = root.GetProperty("kind").GetString()!;
            JsonElement session = root.GetProperty("session");
            Guid? sessionId = session.ValueKind == JsonValueKind.Null ? null : session.GetGuid();
            record = new SpooledRecord(sequence, instance, at, kind, sessionId, json, previousHash, hash);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or KeyNotFoundException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }
}
