using System.Buffers;
using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using HoopGate.Policy;

namespace HoopGate.Masking;

/// <summary>
/// Rewrites one value by a <see cref="MaskRule"/>, keeping it valid for its type and format: text-like types (text,
/// varchar, char, name) take every method; dates and timestamps keep their year; integers and UUIDs take pseudonyms;
/// JSON takes a redaction. Anything else becomes NULL rather than pass: a value the gateway cannot rewrite safely
/// does not leave it.
/// </summary>
internal static class ValueMasker
{
    private const string Base32 = "abcdefghijklmnopqrstuvwxyz234567";
    private static readonly DateOnly s_epoch = new(2000, 1, 1);

    /// <summary>Writes the masked value to <paramref name="output"/>; returns false for NULL (nothing written).</summary>
    /// <param name="rule">How to mask.</param>
    /// <param name="typeOid">The column's type.</param>
    /// <param name="binary">The value is in binary format.</param>
    /// <param name="value">The original value.</param>
    /// <param name="key">The pseudonym key.</param>
    /// <param name="output">Where the masked value goes.</param>
    public static bool TryMask(MaskRule rule, uint typeOid, bool binary, ReadOnlySpan<byte> value, PseudonymKey key, IBufferWriter<byte> output) =>
        TryMask(rule, typeOid, binary, value, key, [], output);

    /// <summary>As above, with the detectors of the <c>detect</c> method.</summary>
    public static bool TryMask(
        MaskRule rule, uint typeOid, bool binary, ReadOnlySpan<byte> value, PseudonymKey key, IReadOnlyList<ContentDetector> detectors, IBufferWriter<byte> output)
    {
        bool textLike = TypeOids.IsTextLike(typeOid);
        switch (rule.Method)
        {
            case MaskMethod.Null:
                return false;
            case MaskMethod.Redact:
                return Redact(rule, typeOid, binary, output);
            case MaskMethod.Partial when textLike:
                Partial(value, rule.Keep, output);
                return true;
            case MaskMethod.Email when textLike:
                Email(value, output);
                return true;
            case MaskMethod.Year:
                return Year(rule, typeOid, binary, value, output);
            case MaskMethod.Pseudonym:
                return Pseudonym(typeOid, binary, value, key, output);
            case MaskMethod.Detect when textLike && detectors.Count > 0:
                Write(output, ContentScrubber.Scrub(value, detectors));
                return true;
            default:
                return false;
        }
    }

    private static bool Redact(MaskRule rule, uint typeOid, bool binary, IBufferWriter<byte> output)
    {
        if (TypeOids.IsTextLike(typeOid))
        {
            Write(output, rule.Placeholder);
            return true;
        }

        if (typeOid is TypeOids.Json or TypeOids.Jsonb)
        {
            if (binary && typeOid == TypeOids.Jsonb)
            {
                output.Write("\u0001"u8);
            }

            output.Write(System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(rule.Placeholder));
            return true;
        }

        return false;
    }

    /// <summary>Letters and digits become <c>*</c> except the last <paramref name="keep"/> (never more than half of them).</summary>
    internal static void Partial(ReadOnlySpan<byte> value, int keep, IBufferWriter<byte> output)
    {
        int total = 0;
        foreach (Rune rune in Utf8Runes(value))
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                total++;
            }
        }

        int shown = Math.Min(keep, total / 2);
        int hideBefore = total - shown;
        int index = 0;
        Span<byte> encoded = stackalloc byte[4];
        foreach (Rune rune in Utf8Runes(value))
        {
            if (Rune.IsLetterOrDigit(rune))
            {
                if (index++ < hideBefore)
                {
                    output.Write("*"u8);
                    continue;
                }
            }

            int length = rune.EncodeToUtf8(encoded);
            output.Write(encoded[..length]);
        }
    }

    /// <summary><c>****@domain</c>; a value without an <c>@</c> is hidden whole.</summary>
    internal static void Email(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        int at = value.LastIndexOf((byte)'@');
        output.Write("****"u8);
        if (at >= 0)
        {
            output.Write(value[at..]);
        }
    }

    private static bool Year(MaskRule rule, uint typeOid, bool binary, ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        if (binary)
        {
            switch (typeOid)
            {
                case TypeOids.Date when value.Length == 4:
                    int days = BinaryPrimitives.ReadInt32BigEndian(value);
                    if (days is int.MaxValue or int.MinValue || !TryAddDays(days, out DateOnly date))
                    {
                        return false;
                    }

                    BinaryPrimitives.WriteInt32BigEndian(output.GetSpan(4), new DateOnly(date.Year, 1, 1).DayNumber - s_epoch.DayNumber);
                    output.Advance(4);
                    return true;
                case TypeOids.Timestamp or TypeOids.Timestamptz when value.Length == 8:
                    long micros = BinaryPrimitives.ReadInt64BigEndian(value);
                    if (micros is long.MaxValue or long.MinValue || !TryAddDays((int)Math.Clamp(Math.Floor(micros / 86_400_000_000.0), int.MinValue, int.MaxValue), out DateOnly day))
                    {
                        return false;
                    }

                    long start = (new DateOnly(day.Year, 1, 1).DayNumber - s_epoch.DayNumber) * 86_400_000_000L;
                    BinaryPrimitives.WriteInt64BigEndian(output.GetSpan(8), start);
                    output.Advance(8);
                    return true;
                default:
                    return TypeOids.IsTextLike(typeOid) && YearText(rule, typeOid, value, output);
            }
        }

        return YearText(rule, typeOid, value, output);
    }

    private static bool YearText(MaskRule rule, uint typeOid, ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        // ISO output (DateStyle ISO, the default): YYYY-MM-DD[ HH:MM:SS[.ffffff][+TZ]]. Anything else is not rewritten.
        bool iso = value.Length >= 10 && IsDigits(value[..4]) && value[4] == '-' && IsDigits(value.Slice(5, 2)) && value[7] == '-' && IsDigits(value.Slice(8, 2));
        if (!iso)
        {
            if (TypeOids.IsTextLike(typeOid))
            {
                Write(output, rule.Placeholder);
                return true;
            }

            return false;
        }

        switch (typeOid)
        {
            case TypeOids.Date:
                output.Write(value[..4]);
                output.Write("-01-01"u8);
                return true;
            case TypeOids.Timestamp:
                output.Write(value[..4]);
                output.Write("-01-01 00:00:00"u8);
                return true;
            case TypeOids.Timestamptz:
                // Keep the zone offset the server wrote (after the time).
                int zone = value.Length > 19 ? value[19..].IndexOfAny((byte)'+', (byte)'-') : -1;
                output.Write(value[..4]);
                output.Write("-01-01 00:00:00"u8);
                if (zone >= 0)
                {
                    output.Write(value[(19 + zone)..]);
                }

                return true;
            default:
                if (!TypeOids.IsTextLike(typeOid))
                {
                    return false;
                }

                output.Write(value[..4]);
                output.Write("-01-01"u8);
                return true;
        }
    }

    private static bool Pseudonym(uint typeOid, bool binary, ReadOnlySpan<byte> value, PseudonymKey key, IBufferWriter<byte> output)
    {
        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(key.Bytes, value, hash);
        if (TypeOids.IsTextLike(typeOid))
        {
            // psn_ + 16 base32 characters (80 bits).
            Span<byte> text = output.GetSpan(20);
            "psn_"u8.CopyTo(text);
            ulong bits = BinaryPrimitives.ReadUInt64BigEndian(hash);
            ushort more = BinaryPrimitives.ReadUInt16BigEndian(hash[8..]);
            for (int i = 0; i < 16; i++)
            {
                int index = i < 12 ? (int)((bits >> (59 - (i * 5))) & 31) : (more >> (15 - ((i - 12) * 4))) & 31;
                text[4 + i] = (byte)Base32[index];
            }

            output.Advance(20);
            return true;
        }

        long number = BinaryPrimitives.ReadInt64BigEndian(hash) & long.MaxValue;
        switch (typeOid)
        {
            case TypeOids.Int2:
                return WriteInteger(output, binary, number % short.MaxValue, 2);
            case TypeOids.Int4:
                return WriteInteger(output, binary, number % int.MaxValue, 4);
            case TypeOids.Int8:
                return WriteInteger(output, binary, number, 8);
            case TypeOids.Uuid:
                var uuid = new Guid(hash[..16], bigEndian: true);
                if (binary)
                {
                    output.Write(hash[..16]);
                }
                else
                {
                    Write(output, uuid.ToString("D"));
                }

                return true;
            default:
                return false;
        }
    }

    private static bool WriteInteger(IBufferWriter<byte> output, bool binary, long value, int size)
    {
        if (!binary)
        {
            Write(output, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
            return true;
        }

        Span<byte> span = output.GetSpan(size);
        switch (size)
        {
            case 2:
                BinaryPrimitives.WriteInt16BigEndian(span, (short)value);
                break;
            case 4:
                BinaryPrimitives.WriteInt32BigEndian(span, (int)value);
                break;
            default:
                BinaryPrimitives.WriteInt64BigEndian(span, value);
                break;
        }

        output.Advance(size);
        return true;
    }

    private static bool TryAddDays(int days, out DateOnly date)
    {
        long dayNumber = (long)s_epoch.DayNumber + days;
        if (dayNumber < DateOnly.MinValue.DayNumber || dayNumber > DateOnly.MaxValue.DayNumber)
        {
            date = default;
            return false;
        }

        date = DateOnly.FromDayNumber((int)dayNumber);
        return true;
    }

    private static bool IsDigits(ReadOnlySpan<byte> span)
    {
        foreach (byte b in span)
        {
            if (b is < (byte)'0' or > (byte)'9')
            {
                return false;
            }
        }

        return true;
    }

    private static void Write(IBufferWriter<byte> output, string text)
    {
        int length = Encoding.UTF8.GetByteCount(text);
        Encoding.UTF8.GetBytes(text, output.GetSpan(length));
        output.Advance(length);
    }

    private static Utf8RuneEnumerator Utf8Runes(ReadOnlySpan<byte> value) => new(value);

    /// <summary>Runes of UTF-8 text; invalid bytes come out as U+FFFD, one per byte.</summary>
    private ref struct Utf8RuneEnumerator
    {
        private ReadOnlySpan<byte> _rest;

        public Utf8RuneEnumerator(ReadOnlySpan<byte> value)
        {
            _rest = value;
            Current = default;
        }

        public Rune Current { get; private set; }

        public readonly Utf8RuneEnumerator GetEnumerator() => this;

        public bool MoveNext()
        {
            if (_rest.IsEmpty)
            {
                return false;
            }

            Rune.DecodeFromUtf8(_rest, out Rune rune, out int consumed);
            Current = rune;
            _rest = _rest[Math.Max(consumed, 1)..];
            return true;
        }
    }
}
