using System.Buffers;
using System.Text;
using HoopGate.Protocol.Errors;

namespace HoopGate.Masking;

/// <summary>
/// How the rows of a COPY … TO STDOUT are rewritten: the masks of its columns in order, and the text or CSV format's
/// delimiter, NULL string, quote and escape. The server sends one CopyData per row (and one for a CSV header), so each
/// message is split into fields, the masked ones decoded, masked and encoded again; the others are copied as they are.
/// </summary>
public sealed class CopyPlan
{
    private readonly ColumnMask?[] _columns;
    private readonly byte _delimiter;
    private readonly byte[] _null;
    private readonly bool _csv;
    private readonly byte _quote;
    private readonly byte _escape;
    private readonly ArrayBufferWriter<byte> _value = new(64);
    private readonly ArrayBufferWriter<byte> _masked = new(64);
    private bool _headerPending;

    internal CopyPlan(ColumnMask?[] columns, bool csv, byte delimiter, string nullString, byte quote, byte escape, bool header, IReadOnlyList<string> masked)
    {
        _columns = columns;
        _csv = csv;
        _delimiter = delimiter;
        _null = Encoding.UTF8.GetBytes(nullString);
        _quote = quote;
        _escape = escape;
        _headerPending = header;
        MaskedColumns = masked;
    }

    /// <summary>Masked columns, for the audit record.</summary>
    public IReadOnlyList<string> MaskedColumns { get; }

    /// <summary>The number of columns a row has.</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>Rewrites one CopyData message's payload (a row, ending with a newline) into <paramref name="output"/> as a whole CopyData.</summary>
    /// <exception cref="PgProtocolException">The row does not have the plan's number of fields.</exception>
    public void RewriteRow(ReadOnlySpan<byte> row, IBufferWriter<byte> output, PseudonymKey key, ArrayBufferWriter<byte> scratch)
    {
        ArgumentNullException.ThrowIfNull(scratch);
        scratch.ResetWrittenCount();
        if (_headerPending)
        {
            // CSV HEADER: the column names come first, in a message of their own.
            _headerPending = false;
            scratch.Write(row);
        }
        else
        {
            RewriteFields(row, key, scratch);
        }

        Span<byte> header = output.GetSpan(5);
        header[0] = (byte)'d';
        System.Buffers.Binary.BinaryPrimitives.WriteInt32BigEndian(header[1..], scratch.WrittenCount + 4);
        output.Advance(5);
        output.Write(scratch.WrittenSpan);
    }

    private void RewriteFields(ReadOnlySpan<byte> row, PseudonymKey key, ArrayBufferWriter<byte> output)
    {
        ReadOnlySpan<byte> rest = row.Length > 0 && row[^1] == (byte)'\n' ? row[..^1] : row;
        ArrayBufferWriter<byte> value = _value, masked = _masked;
        for (int i = 0; i < _columns.Length; i++)
        {
            if (i > 0)
            {
                if (rest.IsEmpty || rest[0] != _delimiter)
                {
                    ThrowHelper.ThrowProtocolViolation("a COPY row from the server does not match its columns");
                }

                rest = rest[1..];
                output.Write([_delimiter]);
            }

            int length = _csv ? CsvFieldLength(rest) : TextFieldLength(rest);
            ReadOnlySpan<byte> field = rest[..length];
            rest = rest[length..];
            if (_columns[i] is not { } mask)
            {
                output.Write(field);
                continue;
            }

            // The NULL string as written (a quoted CSV field is never NULL, and never equals it).
            if (field.SequenceEqual(_null))
            {
                output.Write(field);
                continue;
            }

            value.ResetWrittenCount();
            masked.ResetWrittenCount();
            if (_csv)
            {
                DecodeCsv(field, value);
            }
            else
            {
                DecodeText(field, value);
            }

            if (!ValueMasker.TryMask(mask.Rule, mask.TypeOid, binary: false, value.WrittenSpan, key, mask.Detectors, masked))
            {
                output.Write(_null);
            }
            else if (_csv)
            {
                EncodeCsv(masked.WrittenSpan, output);
            }
            else
            {
                EncodeText(masked.WrittenSpan, output);
            }
        }

        if (!rest.IsEmpty)
        {
            ThrowHelper.ThrowProtocolViolation("a COPY row from the server does not match its columns");
        }

        output.Write("\n"u8);
    }

    // ---- text format: backslash escapes, fields end at an unescaped delimiter --------------------------------------

    private int TextFieldLength(ReadOnlySpan<byte> rest)
    {
        int i = 0;
        while (i < rest.Length && rest[i] != _delimiter)
        {
            i += rest[i] == (byte)'\\' && i + 1 < rest.Length ? 2 : 1;
        }

        return i;
    }

    private static void DecodeText(ReadOnlySpan<byte> field, IBufferWriter<byte> output)
    {
        for (int i = 0; i < field.Length; i++)
        {
            byte b = field[i];
            if (b != (byte)'\\' || i + 1 >= field.Length)
            {
                output.Write([b]);
                continue;
            }

            byte next = field[++i];
            switch (next)
            {
                case (byte)'b': output.Write("\b"u8); break;
                case (byte)'f': output.Write("\f"u8); break;
                case (byte)'n': output.Write("\n"u8); break;
                case (byte)'r': output.Write("\r"u8); break;
                case (byte)'t': output.Write("\t"u8); break;
                case (byte)'v': output.Write("\v"u8); break;
                case >= (byte)'0' and <= (byte)'7':
                    int octal = next - '0';
                    for (int d = 0; d < 2 && i + 1 < field.Length && field[i + 1] is >= (byte)'0' and <= (byte)'7'; d++)
                    {
                        octal = (octal * 8) + (field[++i] - '0');
                    }

                    output.Write([(byte)octal]);
                    break;
                case (byte)'x' when i + 1 < field.Length && IsHex(field[i + 1]):
                    int hex = HexValue(field[++i]);
                    if (i + 1 < field.Length && IsHex(field[i + 1]))
                    {
                        hex = (hex * 16) + HexValue(field[++i]);
                    }

                    output.Write([(byte)hex]);
                    break;
                default:
                    output.Write([next]);
                    break;
            }
        }
    }

    private void EncodeText(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        foreach (byte b in value)
        {
            switch (b)
            {
                case (byte)'\\': output.Write("\\\\"u8); break;
                case (byte)'\n': output.Write("\\n"u8); break;
                case (byte)'\r': output.Write("\\r"u8); break;
                case (byte)'\t': output.Write("\\t"u8); break;
                default:
                    if (b == _delimiter)
                    {
                        output.Write([(byte)'\\', b]);
                    }
                    else
                    {
                        output.Write([b]);
                    }

                    break;
            }
        }
    }

    // ---- CSV: quoted fields (escape + quote inside), unquoted ones end at the delimiter -------------------------------

    private int CsvFieldLength(ReadOnlySpan<byte> rest)
    {
        if (rest.IsEmpty || rest[0] != _quote)
        {
            int end = rest.IndexOf(_delimiter);
            return end < 0 ? rest.Length : end;
        }

        int i = 1;
        while (i < rest.Length)
        {
            if (rest[i] == _escape && _escape != _quote && i + 1 < rest.Length && (rest[i + 1] == _quote || rest[i + 1] == _escape))
            {
                i += 2;
                continue;
            }

            if (rest[i] == _quote)
            {
                if (_escape == _quote && i + 1 < rest.Length && rest[i + 1] == _quote)
                {
                    i += 2;
                    continue;
                }

                return i + 1;
            }

            i++;
        }

        ThrowHelper.ThrowProtocolViolation("a COPY row from the server has an unterminated quoted field");
        return 0;
    }

    private void DecodeCsv(ReadOnlySpan<byte> field, IBufferWriter<byte> output)
    {
        if (field.IsEmpty || field[0] != _quote)
        {
            output.Write(field);
            return;
        }

        ReadOnlySpan<byte> inner = field[1..^1];
        for (int i = 0; i < inner.Length; i++)
        {
            if (inner[i] == _escape && i + 1 < inner.Length && (inner[i + 1] == _quote || inner[i + 1] == _escape))
            {
                i++;
            }

            output.Write([inner[i]]);
        }
    }

    private void EncodeCsv(ReadOnlySpan<byte> value, IBufferWriter<byte> output)
    {
        // Always quoted: valid whatever the value holds, and never mistaken for the NULL string.
        output.Write([_quote]);
        foreach (byte b in value)
        {
            if (b == _quote || b == _escape)
            {
                output.Write([_escape]);
            }

            output.Write([b]);
        }

        output.Write([_quote]);
    }

    private static bool IsHex(byte b) => b is >= (byte)'0' and <= (byte)'9' or >= (byte)'a' and <= (byte)'f' or >= (byte)'A' and <= (byte)'F';

    private static int HexValue(byte b) => b <= '9' ? b - '0' : (b | 0x20) - 'a' + 10;
}
