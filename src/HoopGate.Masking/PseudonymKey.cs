using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Options;

namespace HoopGate.Masking;

/// <summary>The key of the <c>pseudonym</c> method, read once.</summary>
public sealed class PseudonymKey
{
    /// <summary>The shortest key accepted, in characters.</summary>
    public const int MinimumLength = 32;

    /// <summary>Reads the key from the option or its file, or makes a random one.</summary>
    public PseudonymKey(IOptions<MaskingOptions> options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string? key = options.Value.PseudonymKeyFile is { Length: > 0 } file ? File.ReadAllText(file).TrimEnd('\r', '\n') : options.Value.PseudonymKey;
        if (string.IsNullOrEmpty(key))
        {
            Bytes = RandomNumberGenerator.GetBytes(32);
            IsRandom = true;
        }
        else
        {
            if (key.Length < MinimumLength)
            {
                throw new OptionsValidationException(MaskingOptions.SectionName, typeof(MaskingOptions), ["HoopGate:Masking:PseudonymKey must be at least 32 characters"]);
            }

            Bytes = Encoding.UTF8.GetBytes(key);
        }
    }

    internal PseudonymKey(byte[] bytes)
    {
        Bytes = bytes;
    }

    /// <summary>True when no key was configured and this process made one up.</summary>
    public bool IsRandom { get; }

    internal byte[] Bytes { get; }
}
