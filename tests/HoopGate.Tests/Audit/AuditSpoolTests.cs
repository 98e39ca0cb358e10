using System.Text;
using HoopGate.Audit;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace HoopGate.Tests.Audit;

public sealed class AuditSpoolTests : IDisposable
{
    private readonly string _directory = Path.Combine(Path.GetTempPath(), "hoopgate-spool-test-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_directory))
        {
            Directory.Delete(_directory, recursive: true);
        }
    }

    private AuditSpool Open() =>
        new(Options.Create(new AuditOptions { SpoolDirectory = _directory, SegmentBytes = 1024 * 1024 }), NullLogger<AuditSpool>.Instance);

    private static SessionEndEvent Event(string reason) => new() { SessionId = Guid.NewGuid(), Reason = reason, Statements = 1 };

    private List<SpooledRecord> ReadAll()
    {
        var records = new List<SpooledRecord>();
        foreach (string segment in AuditSpool.Segments(_directory))
        {
            foreach (string line in File.ReadAllLines(segment))
            {
                Assert.True(SpooledRecord.TryParse(Encoding.UTF8.GetBytes(line + "\n"), out SpooledRecord? record), "unparsable spool line: " + line);
                records.Add(record);
            }
        }

        return records;
    }

    [Fact]
    public async Task Appended_records_are_durable_once_the_wait_returns_and_form_a_hash_chain()
    {
        await using (AuditSpool spool = Open())
        {
            long first = spool.Append(Event("one"));
            long second = spool.Append(Event("two"));
            Assert.Equal(first + 1, second);
            Assert.True(await spool.WaitDurableAsync(second).AsTask().WaitAsync(TimeSpan.FromSeconds(10)));
            Assert.True(spool.DurableSequence >= second);
        }

        List<SpooledRecord> records = ReadAll();
        Assert.Equal([1L, 2L], records.Select(r => r.Sequence));
        Assert.All(records, r => Assert.True(r.HashIsValid()));
        Assert.Equal(new byte[32], records[0].PreviousHash);
        Assert.Equal(records[0].Hash, records[1].PreviousHash);
        Assert.Contains("\"reason\":\"two\"", records[1].Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_sessions_share_flushes_and_lose_nothing()
    {
        await using (AuditSpool spool = Open())
        {
            Task<bool>[] waits = await Task.WhenAll(Enumerable.Range(0, 8).Select(worker => Task.Run(async () =>
            {
                var mine = new List<Task<bool>>();
                for (int i = 0; i < 250; i++)
                {
                    long sequence = spool.Append(Event("w" + worker + "-" + i));
                    mine.Add(spool.WaitDurableAsync(sequence).AsTask());
                }

                return await Task.WhenAll(mine);
            }))).ContinueWith(t => t.Result.SelectMany(r => r).Select(Task.FromResult).ToArray(), TaskScheduler.Default);
            Assert.All(waits, w => Assert.True(w.Result));
        }

        List<SpooledRecord> records = ReadAll();
        Assert.Equal(Enumerable.Range(1, 2000).Select(i => (long)i), records.Select(r => r.Sequence));
        for (int i = 1; i < records.Count; i++)
        {
            Assert.Equal(records[i - 1].Hash, records[i].PreviousHash);
        }
    }

    [Fact]
    public async Task A_restart_continues_the_sequence_and_the_chain()
    {
        await using (AuditSpool spool = Open())
        {
            await spool.WaitDurableAsync(spool.Append(Event("before")));
        }

        Guid instance;
        await using (AuditSpool spool = Open())
        {
            instance = spool.InstanceId;
            Assert.Equal(1, spool.LastSequence);
            await spool.WaitDurableAsync(spool.Append(Event("after")));
        }

        List<SpooledRecord> records = ReadAll();
        Assert.Equal(2, records.Count);
        Assert.Equal(records[0].Hash, records[1].PreviousHash);
        Assert.All(records, r => Assert.Equal(instance, r.Instance));
    }

    [Fact]
    public async Task A_record_torn_by_a_crash_is_cut_off_and_the_chain_goes_on_from_the_last_whole_one()
    {
        await using (AuditSpool spool = Open())
        {
            spool.Append(Event("one"));
            await spool.WaitDurableAsync(spool.Append(Event("two")));
        }

        string segment = Assert.Single(AuditSpool.Segments(_directory));
        File.AppendAllText(segment, "{\"seq\":3,\"instance\":\"00000000-0000-0000-0000-000000000000\",\"at\":\"2026-");

        await using (AuditSpool spool = Open())
        {
            Assert.Equal(2, spool.LastSequence);
            await spool.WaitDurableAsync(spool.Append(Event("three")));
        }

        List<SpooledRecord> records = ReadAll();
        Assert.Equal([1L, 2L, 3L], records.Select(r => r.Sequence));
        Assert.Equal(records[1].Hash, records[2].PreviousHash);
        Assert.Contains("\"reason\":\"three\"", records[2].Json, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_edited_record_no_longer_matches_its_hash()
    {
        await using (AuditSpool spool = Open())
        {
            await spool.WaitDurableAsync(spool.Append(Event("original")));
        }

        string segment = Assert.Single(AuditSpool.Segments(_directory));
        string edited = File.ReadAllText(segment).Replace("original", "innocent", StringComparison.Ordinal);
        Assert.True(SpooledRecord.TryParse(Encoding.UTF8.GetBytes(edited), out SpooledRecord? record));
        Assert.False(record.HashIsValid());
    }
}
