using System.Buffers;
using System.Buffers.Binary;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Masking;

/// <summary>
/// What to do with each column of one result: pass its bytes or mask them. Built once per RowDescription (or per
/// prepared statement and Bind); rows of a plan with nothing to mask are never looked at.
/// </summary>
public sealed class ResultPlan
{
    private readonly ColumnMask?[] _columns;
    private readonly short[] _formats;

    internal ResultPlan(ColumnMask?[] columns, short[] formats, IReadOnlyList<string> masked, IReadOnlyList<string> unmasked, bool unknown = false)
    {
        _columns = columns;
        _formats = formats;
        MaskedColumns = masked;
        UnmaskedColumns = unmasked;
        IsUnknown = unknown;
        HasMasks = unknown || Array.Exists(columns, c => c is not null);
    }

    /// <summary>Nothing to mask.</summary>
    public static ResultPlan PassAll { get; } = new([], [], [], []);

    /// <summary>Rows whose columns the gateway cannot describe (no RowDescription seen): every value becomes NULL.</summary>
    public static ResultPlan Unknown { get; } = new([], [], ["(result of unknown shape):null"], [], unknown: true);

    /// <summary>True when rows must be rewritten.</summary>
    public bool HasMasks { get; }

    /// <summary>True for <see cref="Unknown"/>.</summary>
    public bool IsUnknown { get; }

    /// <summary>Whether a column is masked (tests).</summary>
    internal bool Masks(int column) => IsUnknown || (column < _columns.Length && _columns[column] is not null);

    /// <summary>Number of columns.</summary>
    public int ColumnCount => _columns.Length;

    /// <summary>Masked columns, for the audit record (<c>schema.table.column:class</c>).</summary>
    public IReadOnlyList<string> MaskedColumns { get; }

    /// <summary>Protected columns this session receives raw (an unmask grant), for the audit record.</summary>
    public IReadOnlyList<string> UnmaskedColumns { get; }

    /// <summary>The same plan with the result formats a Bind asked for (none: all text; one: all; else per column).</summary>
    public ResultPlan WithFormats(ReadOnlySpan<short> formats)
    {
        if (!HasMasks || IsUnknown)
        {
            return this;
        }

        var resolved = new short[_columns.Length];
        for (int i = 0; i < resolved.Length; i++)
        {
            resolved[i] = formats.Length == 0 ? (short)0 : formats.Length == 1 ? formats[0] : i < formats.Length ? formats[i] : (short)1;
        }

        return new ResultPlan(_columns, resolved, MaskedColumns, UnmaskedColumns);
    }

    /// <summary>
    /// The same plan with every masked column NULL: for an Execute whose Bind was too large to read its result formats
    /// (a masked value must be written in the format the client asked for, and NULL is valid in any).
    /// </summary>
    public ResultPlan AsNulls()
    {
        if (!HasMasks || IsUnknown)
        {
            return this;
        }

        var columns = new ColumnMask?[_columns.Length];
        for (int i = 0; i < columns.Length; i++)
        {
            if (_columns[i] is { } mask)
            {
                columns[i] = mask with { Rule = mask.Rule with { Method = HoopGate.Policy.MaskMethod.Null } };
            }
        }

        return new ResultPlan(columns, new short[columns.Length], MaskedColumns, UnmaskedColumns);
    }

    /// <summary>Rewrites one whole DataRow message (header included) into <paramref name="output"/>.</summary>
    /// <exception cref="PgProtocolException">The row does not match the plan's column count, or is malformed.</exception>
    public void RewriteDataRow(ReadOnlySpan<byte> message, IBufferWriter<byte> output, PseudonymKey key, ArrayBufferWriter<byte> scratch)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(scratch);
        ReadOnlySpan<byte> body = message[PgFraming.HeaderLength..];
        if (body.Length < 2)
        {
            ThrowHelper.ThrowProtocolViolation("invalid DataRow from the server");
        }

        int count = BinaryPrimitives.ReadInt16BigEndian(body);
        if (count < 0)
        {
            // Found by fuzzing: a negative count reached the stackalloc below, and a stack overflow ends the process.
            ThrowHelper.ThrowProtocolViolation("invalid DataRow from the server");
        }

        if (!IsUnknown && count != _columns.Length)
        {
            ThrowHelper.ThrowProtocolViolation("a DataRow from the server does not match its RowDescription");
        }

        // Pass 1: mask into scratch and find the new length. Lengths of masked values: -1 for NULL.
        scratch.ResetWrittenCount();
        Span<int> starts = count <= 64 ? stackalloc int[count] : new int[count];
        Span<int> lengths = count <= 64 ? stackalloc int[count] : new int[count];
        int position = 2;
        long total = 4 + 2;
        for (int i = 0; i < count; i++)
        {
            if (body.Length - position < 4)
            {
                ThrowHelper.ThrowProtocolViolation("invalid DataRow from the server");
            }

            int length = BinaryPrimitives.ReadInt32BigEndian(body[position..]);
            if (length < -1 || (length > 0 && body.Length - position - 4 < length))
            {
                ThrowHelper.ThrowProtocolViolation("invalid DataRow from the server");
            }

            ReadOnlySpan<byte> value = length > 0 ? body.Slice(position + 4, length) : default;
            starts[i] = position;
            ColumnMask? mask = IsUnknown ? null : _columns[i];
            if (IsUnknown || (mask is not null && (length >= 0 || mask.HidesNull)))
            {
                int before = scratch.WrittenCount;
                bool written = mask is not null && ValueMasker.TryMask(mask.Rule, mask.TypeOid, _formats.Length > i && _formats[i] == 1, value, key, mask.Detectors, scratch);
                lengths[i] = written ? scratch.WrittenCount - before : -1;
                starts[i] = -1 - before;
                total += 4 + Math.Max(lengths[i], 0);
            }
            else
            {
                lengths[i] = length;
                total += 4 + Math.Max(length, 0);
            }

            position += 4 + Math.Max(length, 0);
        }

        if (position != body.Length)
        {
            ThrowHelper.ThrowProtocolViolation("invalid DataRow from the server");
        }

        // Pass 2: write the row. starts[i] < 0 marks a masked value at scratch offset -1 - starts[i].
        Span<byte> span = output.GetSpan((int)total + 1);
        span[0] = (byte)'D';
        BinaryPrimitives.WriteInt32BigEndian(span[1..], (int)total);
        BinaryPrimitives.WriteInt16BigEndian(span[5..], (short)count);
        int at = 7;
        ReadOnlySpan<byte> masked = scratch.WrittenSpan;
        for (int i = 0; i < count; i++)
        {
            int length = lengths[i];
            BinaryPrimitives.WriteInt32BigEndian(span[at..], length);
            at += 4;
            if (length <= 0)
            {
                continue;
            }

            ReadOnlySpan<byte> source = starts[i] < 0 ? masked.Slice(-1 - starts[i], length) : body.Slice(starts[i] + 4, length);
            source.CopyTo(span[at..]);
            at += length;
        }

        output.Advance(at);
    }
}
