using HoopGate.Testing;

namespace HoopGate.EndToEnd.Tests;

/// <summary><see cref="TestTimeout"/> for the ValueTasks Npgsql and streams return.</summary>
internal static class ValueTaskTimeout
{
    public static Task<T> Within<T>(this ValueTask<T> task, TimeSpan? timeout = null) => task.AsTask().Within(timeout);

    public static Task Within(this ValueTask task, TimeSpan? timeout = null) => task.AsTask().Within(timeout);
}
