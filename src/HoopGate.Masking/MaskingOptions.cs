namespace HoopGate.Masking;

/// <summary>Masking settings, bound from <c>HoopGate:Masking</c> (what is masked is the policy file's <c>masking</c> section).</summary>
public sealed class MaskingOptions
{
    /// <summary>The configuration section.</summary>
    public const string SectionName = "HoopGate:Masking";

    /// <summary>
    /// The key of the <c>pseudonym</c> method (at least 32 characters). Prefer <see cref="PseudonymKeyFile"/>. Every
    /// instance must share it, or the same value gets different pseudonyms. Without one, a random key is made at start
    /// (pseudonyms then change on restart) and a warning is logged.
    /// </summary>
    public string? PseudonymKey { get; set; }

    /// <summary>A file whose first line is <see cref="PseudonymKey"/>.</summary>
    public string? PseudonymKeyFile { get; set; }

    /// <summary>How long a database's catalog snapshot is trusted before it is read again, in seconds. Default 60.</summary>
    public double CatalogRefreshSeconds { get; set; } = 60;
}
