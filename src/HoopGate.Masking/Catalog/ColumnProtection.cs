using HoopGate.Policy;

namespace HoopGate.Masking.Catalog;

/// <summary>
/// Why and how a column (or a result value) is masked: its class, and the protected columns it derives from. A session
/// sees it raw only when it may unmask every one of those sources.
/// </summary>
/// <param name="Rule">How its values are masked.</param>
/// <param name="Sources">The protected columns it derives from (never empty).</param>
public sealed record ColumnProtection(MaskRule Rule, IReadOnlyList<ColumnSource> Sources)
{
    /// <summary>Whether a session with these unmask grants sees it raw.</summary>
    public bool IsUnmaskedFor(SessionPolicy session)
    {
        ArgumentNullException.ThrowIfNull(session);
        foreach (ColumnSource source in Sources)
        {
            if (!session.CanUnmask(source.Schema, source.Table, source.Column))
            {
                return false;
            }
        }

        return true;
    }
}
