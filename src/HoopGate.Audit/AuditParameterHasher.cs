using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HoopGate.Audit;

/// <summary>
/// Turns a bound parameter's bytes into what the audit record holds: <c>hmac-sha256:&lt;hex&gt;</c> of the value under the
/// configured key (Hashed), or the value itself (Raw). The same value always gives the same hash, whatever session or
/// instance sent it, so a search for one value finds every statement that used it.
/// </summary>
public sealed class AuditParameterHasher
{
    private readonly byte[]? _key;

    /// <summary>Reads the key (from the option or its file).</summary>
    public AuditParameterHasher(IOptions<AuditOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        Mode = options.Value.Parameters;
        string? key = options.Value.ParameterKeyFile is { Length: > 0 } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : options.Value.ParameterKey;
        _key = string.IsNullOrEmpty(key) ? null : Encoding.UTF8.GetBytes(key);
    }

    /// <summary>How parameters are recorded.</summary>
    public AuditParameterMode Mode { get; }

    /// <summary>The recorded form of one value (<see langword="null"/> for SQL NULL).</summary>
    /// <param name="value">The value's bytes as bound.</param>
    /// <param name="binary">Whether it was bound in binary format (Raw mode writes those as hex).</param>
    public string Record(ReadOnlySpan<byte> value, bool binary)
    {
        if (Mode == AuditParameterMode.Raw)
        {
            return binary ? "\\x" + Convert.ToHexStringLower(value) : Encoding.UTF8.GetString(value);
        }

        Span<byte> hash = stackalloc byte[32];
        HMACSHA256.HashData(_key ?? throw new InvalidOperationException("no parameter key is configured"), value, hash);
        return "hmac-sha256:" + Convert.ToHexStringLower(hash);
    }
}
