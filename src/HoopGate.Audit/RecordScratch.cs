using System.Buffers;
using System.Security.Cryptography;
using System.Text.Json;

namespace HoopGate.Audit;

/// <summary>What writing a record reuses: a JSON buffer and writer, and a SHA-256 context (used under the spool's lock).</summary>
internal sealed class RecordScratch : IDisposable
{
    public ArrayBufferWriter<byte> Json { get; } = new(1024);

    public Utf8JsonWriter Writer { get; } = new(new ArrayBufferWriter<byte>());

    public IncrementalHash Sha { get; } = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public void Dispose()
    {
        Writer.Dispose();
        Sha.Dispose();
    }
}
