using HoopGate.Sql;

namespace HoopGate.Masking;

/// <summary>
/// A session's cursors, or its SQL-level prepared statements, as far as the gateway can know them. A name changes only
/// when the server has answered the statement that changes it: from the moment a DECLARE, PREPARE, CLOSE, DEALLOCATE or
/// DISCARD is sent until its answer, the names it touches are unknown (a FETCH or EXECUTE of one is masked whole), and
/// they stay unknown if it failed or was skipped. A name the gateway cannot follow at all — a protocol-level statement
/// or portal of the same name, a DECLARE sent in a Parse that may run at any later Execute — is poisoned: unknown until
/// a DEALLOCATE or CLOSE of it is answered. Not thread-safe: the <see cref="MaskingSession"/> locks around it.
/// </summary>
internal sealed class Names
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    // What each DISCARD / CLOSE ALL / DEALLOCATE ALL in flight marked, in the order the server answers them.
    private readonly Queue<List<Entry>> _dropAlls = new();

    /// <summary>What the name holds now, or null when it is unknown (or does not exist).</summary>
    public StatementInfo? Resolve(string? name) =>
        name is not null && _entries.TryGetValue(name, out Entry? entry) && entry.Pending == 0 && !entry.Poisoned ? entry.Definition : null;

    /// <summary>A statement that changes names is sent; <paramref name="answered"/> when its answer will be reported.</summary>
    public void Begin(NameAction action, string? name, bool answered)
    {
        switch (action)
        {
            case NameAction.Define or NameAction.Drop when name is not null:
                Mark(Get(name), answered);
                break;
            case NameAction.DropAll:
                List<Entry>? marked = answered ? new List<Entry>(_entries.Count) : null;
                foreach (Entry entry in _entries.Values)
                {
                    Mark(entry, answered);
                    marked?.Add(entry);
                }

                if (marked is not null)
                {
                    _dropAlls.Enqueue(marked);
                }

                break;
        }
    }

    /// <summary>The server answered the statement (<paramref name="ran"/>) or did not run it.</summary>
    public void Complete(NameAction action, string? name, StatementInfo statement, bool ran)
    {
        switch (action)
        {
            case NameAction.Define when name is not null && _entries.TryGetValue(name, out Entry? defined):
                if (Settle(defined) && ran && !defined.Poisoned)
                {
                    defined.Definition = statement;
                }

                break;
            case NameAction.Drop when name is not null && _entries.TryGetValue(name, out Entry? dropped):
                if (Settle(dropped) && ran)
                {
                    _entries.Remove(name);
                }

                break;
            case NameAction.DropAll when _dropAlls.TryDequeue(out List<Entry>? marked):
                foreach (Entry entry in marked)
                {
                    if (Settle(entry) && ran && _entries.TryGetValue(entry.Name, out Entry? current) && ReferenceEquals(current, entry))
                    {
                        _entries.Remove(entry.Name);
                    }
                }

                break;
        }
    }

    /// <summary>The name is used in a way the gateway cannot follow: unknown until it is dropped.</summary>
    public void Poison(string name) => Mark(Get(name), answered: false);

    private static void Mark(Entry entry, bool answered)
    {
        entry.Definition = null;
        if (answered)
        {
            entry.Pending++;
        }
        else
        {
            entry.Poisoned = true;
        }
    }

    /// <summary>One change of the name is answered; true when none is left in flight.</summary>
    private static bool Settle(Entry entry)
    {
        if (entry.Pending > 0)
        {
            entry.Pending--;
        }

        return entry.Pending == 0;
    }

    private Entry Get(string name)
    {
        if (!_entries.TryGetValue(name, out Entry? entry))
        {
            _entries[name] = entry = new Entry(name);
        }

        return entry;
    }

    private sealed class Entry(string name)
    {
        public string Name { get; } = name;

        public StatementInfo? Definition { get; set; }

        /// <summary>Changes sent and not yet answered.</summary>
        public int Pending { get; set; }

        public bool Poisoned { get; set; }
    }
}
