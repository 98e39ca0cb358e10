using System.Buffers;
using System.Runtime.CompilerServices;
using HoopGate.Protocol.Errors;
using HoopGate.Protocol.Framing;

namespace HoopGate.Gateway.Sessions;

/// <summary>
/// Moves messages from one pipe to another, one direction of a session. Messages pass as their original
/// bytes; a subclass decides per type whether to inspect the whole message first or to stream it. Nothing
/// here allocates per message.
/// <list type="number">
/// <item>Finish streaming the message in progress, as far as the input goes.</item>
/// <item>Finish accumulating an oversized inspected message into its pooled buffer.</item>
/// <item>Read the next header; check its length against the limit before buffering anything.</item>
/// <item>Stream: forward header and what is there, remember how much is left.</item>
/// <item>Inspect: wait for the whole message (in the pipe, or in a pooled buffer when it is large), hand it over, forward.</item>
/// </list>
/// </summary>
/// <summary>Bounds every relay's message limits.</summary>
internal static class MessageRelayLimits
{
    /// <summary>The largest length field a relay accepts: 1 GiB - 1, PostgreSQL's MaxAllocSize bound.</summary>
    public const int MaxLength = 0x3FFF_FFFF;
}

internal abstract class MessageRelay : IDisposable
{
    /// <summary>
    /// Inspected messages larger than this are copied out of the pipe into a pooled buffer as they arrive, so
    /// that the pipe never has to hold a whole large message (its pause threshold is above this).
    /// </summary>
    internal const int AccumulateThreshold = 32 * 1024;

    private readonly int _maxInspectedLength;
    private readonly int _maxStreamedLength;
    private long _streamRemaining;
    private byte[]? _accumulator;
    private int _accumulated;
    private int _accumulatorSize;

    protected MessageRelay(int maxInspectedLength, int maxStreamedLength)
    {
        // A message is its length field + 1 bytes: a limit near int.MaxValue would overflow that sum (found by fuzzing).
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxInspectedLength, MessageRelayLimits.MaxLength);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxStreamedLength, MessageRelayLimits.MaxLength);
        _maxInspectedLength = maxInspectedLength;
        _maxStreamedLength = maxStreamedLength;
    }

    /// <summary>Bytes forwarded so far.</summary>
    public long BytesForwarded { get; private set; }

    /// <summary>True when no message is partly forwarded: a synthetic message may be written now.</summary>
    public bool AtMessageBoundary => _streamRemaining == 0 && _accumulator is null;

    /// <summary>Relays every message that <paramref name="buffer"/> holds, or as much of it as may go.</summary>
    /// <param name="buffer">Input; on return, starts at the first byte not consumed.</param>
    /// <param name="output">Where forwarded bytes go (not flushed here).</param>
    /// <returns><see cref="RelayAction.Forward"/> to keep going, otherwise how the direction stopped.</returns>
    /// <exception cref="PgProtocolException">A malformed, oversized or disallowed message.</exception>
    public RelayAction Process(ref ReadOnlySequence<byte> buffer, IBufferWriter<byte> output)
    {
        while (true)
        {
            // 1. The rest of a streamed message.
            if (_streamRemaining > 0)
            {
                long take = Math.Min(_streamRemaining, buffer.Length);
                if (take == 0)
                {
                    return RelayAction.Forward;
                }

                Copy(buffer.Slice(0, take), output);
                buffer = buffer.Slice(take);
                _streamRemaining -= take;
                continue;
            }

            // 2. The rest of a large inspected message.
            if (_accumulator is not null)
            {
                // A held message is already whole (take is 0) and is handled again.
                int take = (int)Math.Min(_accumulatorSize - _accumulated, buffer.Length);
                buffer.Slice(0, take).CopyTo(_accumulator.AsSpan(_accumulated));
                buffer = buffer.Slice(take);
                _accumulated += take;
                if (_accumulated < _accumulatorSize)
                {
                    return RelayAction.Forward;
                }

                RelayAction accumulatedAction = HandleAccumulated(output);
                if (accumulatedAction != RelayAction.Forward)
                {
                    return accumulatedAction;
                }

                continue;
            }

            // 3. The next header.
            if (!PgFraming.TryReadHeader(buffer, out byte code, out int length))
            {
                return RelayAction.Forward;
            }

            switch (Classify(code))
            {
                case MessageDisposition.Stream:
                    // 4. Data messages go through as they come.
                    if (length > _maxStreamedLength)
                    {
                        ThrowHelper.ThrowMessageTooLong(length, _maxStreamedLength);
                    }

                    if (buffer.Length < RequiredHead(code, length))
                    {
                        return RelayAction.Forward;
                    }

                    OnStreamedMessage(code, length, buffer);
                    _streamRemaining = (long)length + 1;
                    continue;

                case MessageDisposition.Inspect:
                    // 5. Whole messages.
                    int limit = InspectLimit(code, _maxInspectedLength);
                    if (length > limit)
                    {
                        ThrowHelper.ThrowMessageTooLong(length, limit);
                    }

                    int total = length + 1;
                    if (buffer.Length < total)
                    {
                        if (total > AccumulateThreshold)
                        {
                            _accumulator = ArrayPool<byte>.Shared.Rent(total);
                            _accumulatorSize = total;
                            _accumulated = 0;
                            continue;
                        }

                        return RelayAction.Forward;
                    }

                    ReadOnlySequence<byte> message = buffer.Slice(0, total);
                    RelayAction action = OnMessage(code, message, output);
                    if (action is RelayAction.Stop or RelayAction.Hold)
                    {
                        return action;
                    }

                    if (action != RelayAction.Replaced)
                    {
                        Copy(message, output);
                    }

                    buffer = buffer.Slice(total);
                    if (action == RelayAction.ForwardAndStop)
                    {
                        return action;
                    }

                    continue;

                default:
                    OnRejected(code);
                    return RelayAction.Stop;
            }
        }
    }

    public void Dispose()
    {
        if (_accumulator is not null)
        {
            ArrayPool<byte>.Shared.Return(_accumulator);
            _accumulator = null;
        }
    }

    /// <summary>
    /// A whole message as one span: its own when it is in one segment, otherwise copied into <paramref name="rented"/>
    /// (from the shared pool; the caller returns it).
    /// </summary>
    protected static ReadOnlySpan<byte> Contiguous(in ReadOnlySequence<byte> message, ref byte[]? rented)
    {
        if (message.IsSingleSegment)
        {
            return message.FirstSpan;
        }

        rented = ArrayPool<byte>.Shared.Rent((int)message.Length);
        message.CopyTo(rented);
        return rented.AsSpan(0, (int)message.Length);
    }

    /// <summary>Whether a message type is inspected, streamed or refused.</summary>
    protected abstract MessageDisposition Classify(byte code);

    /// <summary>
    /// Sees a whole inspected message, header included, before it is forwarded. To send something else in its place,
    /// write that to <paramref name="output"/> and return <see cref="RelayAction.Replaced"/>.
    /// </summary>
    protected abstract RelayAction OnMessage(byte code, in ReadOnlySequence<byte> message, IBufferWriter<byte> output);

    /// <summary>Sees the start of a streamed message; <paramref name="available"/> begins at its header and may end early.</summary>
    protected virtual void OnStreamedMessage(byte code, int length, in ReadOnlySequence<byte> available)
    {
    }

    /// <summary>The largest inspected message of a type (by default the configured limit).</summary>
    protected virtual int InspectLimit(byte code, int configured) => configured;

    /// <summary>How many bytes of a streamed message (header included) must be buffered before it starts to stream.</summary>
    protected virtual int RequiredHead(byte code, int length) => 0;

    /// <summary>Reacts to a message type that <see cref="Classify"/> refused; throws by default.</summary>
    protected virtual void OnRejected(byte code) => ThrowHelper.ThrowUnknownMessageType(code);

    private RelayAction HandleAccumulated(IBufferWriter<byte> output)
    {
        byte[] bytes = _accumulator!;
        int size = _accumulatorSize;
        var message = new ReadOnlySequence<byte>(bytes, 0, size);
        RelayAction action = RelayAction.Stop;
        try
        {
            action = OnMessage(bytes[0], message, output);
            if (action is RelayAction.Forward or RelayAction.ForwardAndStop)
            {
                Copy(message, output);
            }

            return action == RelayAction.Replaced ? RelayAction.Forward : action;
        }
        finally
        {
            // A held message stays for the next pass.
            if (action != RelayAction.Hold)
            {
                _accumulator = null;
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Copy(in ReadOnlySequence<byte> source, IBufferWriter<byte> output)
    {
        BytesForwarded += source.Length;
        if (source.IsSingleSegment)
        {
            output.Write(source.FirstSpan);
            return;
        }

        foreach (ReadOnlyMemory<byte> segment in source)
        {
            output.Write(segment.Span);
        }
    }
}
