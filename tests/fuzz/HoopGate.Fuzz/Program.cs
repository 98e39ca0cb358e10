using HoopGate.Fuzz;
using SharpFuzz;

// HoopGate.Fuzz TARGET                    under afl-fuzz (tests/fuzz/run.sh): one input per round on standard input
// HoopGate.Fuzz TARGET --replay PATH...   runs files (or every file of directories) through TARGET; exit 1 on a failure
if (args.Length == 0 || !FuzzTargets.Names.Contains(args[0]))
{
    Console.Error.WriteLine("usage: HoopGate.Fuzz TARGET [--replay PATH...]; targets: " + string.Join(", ", FuzzTargets.Names));
    return 2;
}

string target = args[0];
if (args.Length > 1 && args[1] == "--replay")
{
    int failures = 0;
    foreach (string file in args.Skip(2).SelectMany(p => Directory.Exists(p) ? Directory.GetFiles(p) : [p]).Order(StringComparer.Ordinal))
    {
        try
        {
            FuzzTargets.Run(target, File.ReadAllBytes(file));
        }
#pragma warning disable CA1031 // Every failure is reported with its input's name.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            failures++;
            Console.Error.WriteLine(file + ": " + ex);
        }
    }

    return failures == 0 ? 0 : 1;
}

Fuzzer.OutOfProcess.Run(stream =>
{
    using var input = new MemoryStream();
    stream.CopyTo(input);
    FuzzTargets.Run(target, input.GetBuffer().AsSpan(0, (int)input.Length));
});
return 0;
