using System.Buffers;

namespace HoopGate.Tests.Protocol;

/// <summary>
/// Builds multi-segment sequences the way a pipe hands them over. Every chunk is copied into its own array,
/// so code that wrongly assumes contiguous memory cannot read across a segment boundary by accident.
/// </summary>
internal static class SegmentedSequence
{
    /// <summary>A sequence with one segment per chunk (empty chunks become empty segments).</summary>
    public static ReadOnlySequence<byte> FromChunks(IReadOnlyList<byte[]> chunks)
    {
        if (chunks.Count == 0)
        {
            return ReadOnlySequence<byte>.Empty;
        }

        var first = new BufferSegment(chunks[0].ToArray());
        BufferSegment last = first;
        for (int i = 1; i < chunks.Count; i++)
        {
            last = last.Append(chunks[i].ToArray());
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    /// <summary>Splits <paramref name="data"/> at the given ascending offsets (0 and the length give empty segments).</summary>
    public static ReadOnlySequence<byte> SplitAt(byte[] data, params int[] offsets)
    {
        var chunks = new List<byte[]>(offsets.Length + 1);
        int start = 0;
        foreach (int offset in offsets)
        {
            chunks.Add(data[start..offset]);
            start = offset;
        }

        chunks.Add(data[start..]);
        return FromChunks(chunks);
    }

    /// <summary>One segment per byte.</summary>
    public static ReadOnlySequence<byte> OneBytePerSegment(byte[] data)
    {
        var chunks = new List<byte[]>(data.Length);
        foreach (byte b in data)
        {
            chunks.Add([b]);
        }

        return FromChunks(chunks);
    }

    /// <summary>The number of segments, to prove a test really exercises the multi-segment path.</summary>
    public static int CountSegments(ReadOnlySequence<byte> sequence)
    {
        int count = 0;
        foreach (ReadOnlyMemory<byte> unused in sequence)
        {
            count++;
        }

        return count;
    }
}
