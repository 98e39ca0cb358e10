using System.Globalization;

namespace HoopGate.Audit;

/// <summary>
/// The last record the store has committed (<c>checkpoint</c> in the spool directory: <c>sequence hash_hex</c>). Segments
/// wholly before it are deleted; when none is left, the chain continues from it.
/// </summary>
internal readonly record struct AuditCheckpoint(long Sequence, byte[] Hash)
{
    private const string FileName = "checkpoint";

    public static AuditCheckpoint Read(string directory)
    {
        string path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            return new AuditCheckpoint(0, new byte[AuditSpool.HashLength]);
        }

        string[] parts = File.ReadAllText(path).Trim().Split(' ');
        if (parts.Length != 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out long sequence))
        {
            throw new InvalidDataException("the audit spool checkpoint " + path + " is damaged; restore it or move the spool aside");
        }

        return new AuditCheckpoint(sequence, Convert.FromHexString(parts[1]));
    }

    /// <summary>Replaces the checkpoint atomically (write, fsync, rename).</summary>
    public void Write(string directory)
    {
        string path = Path.Combine(directory, FileName);
        string temporary = path + ".tmp";
        using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write))
        using (var writer = new StreamWriter(stream))
        {
            writer.Write(Sequence.ToString(CultureInfo.InvariantCulture) + " " + Convert.ToHexStringLower(Hash) + "\n");
            writer.Flush();
            stream.Flush(flushToDisk: true);
        }

        File.Move(temporary, path, overwrite: true);
    }
}
