using System.Diagnostics;
using System.Text;

namespace HoopGate.Gateway.Interception;

/// <summary>
/// A statement whose start record is written, travelling with its request through the session model until its answer
/// is complete; the server→client pump adds what the answer says (command tags, error) and writes its finish record.
/// </summary>
internal sealed class AuditedStatement
{
    private StringBuilder? _tags;
    private long _dataRows;

    public AuditedStatement(long number, bool refused)
    {
        Number = number;
        Refused = refused;
        StartedAt = Stopwatch.GetTimestamp();
    }

    /// <summary>The statement's number in its session.</summary>
    public long Number { get; }

    /// <summary>Policy (or the audit trail itself) refused it: the server never ran it.</summary>
    public bool Refused { get; }

    public long StartedAt { get; }

    public long Rows { get; private set; }

    public string? CommandTags => _tags?.ToString();

    public string? SqlState { get; private set; }

    public string? Message { get; private set; }

    /// <summary>Adds a CommandComplete tag (<c>SELECT 5</c>, <c>INSERT 0 3</c>): its last number is the row count.</summary>
    public void AddCommandTag(string tag)
    {
        AppendTag(tag);
        int space = tag.LastIndexOf(' ');
        if (space >= 0 && long.TryParse(tag.AsSpan(space + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long rows))
        {
            Rows += rows;
        }
    }

    /// <summary>Counts a DataRow of its answer (for an Execute that stops at its row limit, which has no command tag).</summary>
    public void CountRow() => _dataRows++;

    /// <summary>
    /// PortalSuspended: the Execute stopped at its row limit. Its rows are the DataRows it sent; the tag says so
    /// (<c>PORTAL SUSPENDED 100</c>), since the server's final CommandComplete counts only the last Execute's rows.
    /// </summary>
    public void AddSuspension()
    {
        AppendTag("PORTAL SUSPENDED " + _dataRows.ToString(System.Globalization.CultureInfo.InvariantCulture));
        Rows += _dataRows;
    }

    private void AppendTag(string tag) => _tags = _tags is null ? new StringBuilder(tag) : _tags.Append("; ").Append(tag);

    /// <summary>Columns whose values were masked in the result (<c>schema.table.column:class</c>).</summary>
    public List<string>? MaskedColumns { get; private set; }

    /// <summary>Protected columns returned raw under an unmask grant.</summary>
    public List<string>? UnmaskedColumns { get; private set; }

    /// <summary>Adds what a result's plan masked or let through raw.</summary>
    public void AddMasking(IReadOnlyList<string> masked, IReadOnlyList<string> unmasked)
    {
        foreach (string column in masked)
        {
            if (!(MaskedColumns ??= []).Contains(column))
            {
                MaskedColumns.Add(column);
            }
        }

        foreach (string column in unmasked)
        {
            if (!(UnmaskedColumns ??= []).Contains(column))
            {
                UnmaskedColumns.Add(column);
            }
        }
    }

    public void SetError(string? sqlState, string? message)
    {
        SqlState ??= sqlState;
        Message ??= message;
    }
}
