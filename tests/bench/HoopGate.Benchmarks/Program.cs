using BenchmarkDotNet.Running;

namespace HoopGate.Benchmarks;

/// <summary>Runs the micro-benchmarks: <c>dotnet run -c Release --project tests/bench/HoopGate.Benchmarks -- --filter '*'</c>.</summary>
public static class Program
{
    public static void Main(string[] args) => BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
}
