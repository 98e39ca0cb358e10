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

        byte[] previous = new byte[AuditSpool.HashLength];
        byte[] hash = new byte[AuditSpool.HashLength];
        if (!TryDecodeHex(previousHex, previous) || !TryDecodeHex(hashHex, hash))
        {
            return false;
        }

        return TryRead(json, Encoding.UTF8.GetString(json), previous, hash, out record);
    }

    private static bool TryDecodeHex(ReadOnlySpan<byte> hex, Span<byte> destination)
    {
        for (int i = 0; i < destination.Length; i++)
        {
            int high = HexValue(hex[2 * i]), low = HexValue(hex[(2 * i) + 1]);
            if ((high | low) < 0)
            {
                return false;
            }

            destination[i] = (byte)((high << 4) | low);
        }

        return true;
    }

    private static int HexValue(byte c) => c switch
    {
        >= (byte)'0' and <= (byte)'9' => c - '0',
        >= (byte)'a' and <= (byte)'f' => c - 'a' + 10,
        >= (byte)'A' and <= (byte)'F' => c - 'A' + 10,
        _ => -1,
    };

    /// <summary>Reads the top-level fields with a forward-only reader (the data object is skipped, not built).</summary>
    private static bool TryRead(ReadOnlySpan<byte> utf8, string json, byte[] previousHash, byte[] hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpooledRecord? record)
    {
        record = null;
        try
        {
            var reader = new Utf8JsonReader(utf8);
            long? sequence = null;
            Guid instance = Guid.Empty;
            DateTime? at = null;
            string? kind = null;
            Guid? session = null;
            bool sawSession = false;
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("seq"u8))
                {
                    reader.Read();
                    sequence = reader.GetInt64();
                }
                else if (reader.ValueTextEquals("instance"u8))
                {
                    reader.Read();
                    instance = reader.GetGuid();
                }
                else if (reader.ValueTextEquals("at"u8))
                {
                    reader.Read();
                    at = DateTime.Parse(reader.GetString()!, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal);
                }
                else if (reader.ValueTextEquals("kind"u8))
                {
                    reader.Read();
                    kind = reader.GetString();
                }
                else if (reader.ValueTextEquals("session"u8))
                {
                    reader.Read();
                    sawSession = true;
                    session = reader.TokenType == JsonTokenType.Null ? null : reader.GetGuid();
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (sequence is null || at is null || kind is null || !sawSession)
            {
                return false;
            }

            record = new SpooledRecord(sequence.Value, instance, at.Value, kind, session, json, previousHash, hash);
            return true;
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            return false;
        }
    }

    /// <summary>Builds a record from the store's columns (for verification).</summary>
    public static bool TryParseJson(string json, byte[] previousHash, byte[] hash, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out SpooledRecord? record)
    {
        ArgumentNullException.ThrowIfNull(json);
        return TryRead(Encoding.UTF8.GetBytes(json), json, previousHash, hash, out record);
    }
}
