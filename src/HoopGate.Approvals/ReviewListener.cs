using System.Collections.Concurrent;
using HoopGate.Audit;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace HoopGate.Approvals;

/// <summary>
/// One connection per gateway that LISTENs on <see cref="ReviewStore.Channel"/> and wakes the session waiting on the
/// request a notification names — wherever the decision was made (this instance, another, the CLI). Started by the first
/// wait. When the connection fails, every waiter is woken to look at the store itself, and the listener reconnects.
/// </summary>
public sealed partial class ReviewListener : IHostedService, IAsyncDisposable
{
    private readonly AuditStore _store;
    private readonly ILogger<ReviewListener> _logger;
    private readonly ConcurrentDictionary<long, SemaphoreSlim> _waiters = new();
    private readonly ConcurrentDictionary<SemaphoreSlim, long> _watchers = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly object _gate = new();
    private Task? _loop;
    private TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>How often a waiter looks at the store even without a notification (a lost connection's safety net).</summary>
    public static readonly TimeSpan LookAgain = TimeSpan.FromSeconds(30);

    /// <summary>Creates the listener (nothing connects until the first wait).</summary>
    public ReviewListener(AuditStore store, ILogger<ReviewListener> logger)
    {
        _store = store;
        _logger = logger;
    }

    /// <summary>Starts listening for <paramref name="id"/>; dispose the result to stop.</summary>
    public async Task<Subscription> SubscribeAsync(long id, CancellationToken cancellationToken)
    {
        var signal = new SemaphoreSlim(0);
        _waiters[id] = signal;
        var subscription = new Subscription(() => _waiters.TryRemove(new KeyValuePair<long, SemaphoreSlim>(id, signal)), signal);
        return await ListeningAsync(subscription, cancellationToken);
    }

    /// <summary>
    /// Starts watching every request (a page that shows the inbox): woken by any filing, decision or change of any request
    /// on any instance, several times coalesced into one wake-up. Dispose the result to stop.
    /// </summary>
    public async Task<Subscription> SubscribeAllAsync(CancellationToken cancellationToken)
    {
        var signal = new SemaphoreSlim(0, 1);
        _watchers[signal] = 0;
        return await ListeningAsync(new Subscription(() => _watchers.TryRemove(signal, out _), signal), cancellationToken);
    }

    /// <summary>Returns the subscription once LISTEN is in effect; disposes it when the caller gives up first.</summary>
    private async Task<Subscription> ListeningAsync(Subscription subscription, CancellationToken cancellationToken)
    {
        try
        {
            await EnsureListeningAsync(cancellationToken);
            return subscription;
        }
        catch
        {
            subscription.Dispose();
            throw;
        }
    }

    private async Task EnsureListeningAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            _loop ??= Task.Run(() => ListenAsync(_stopping.Token), CancellationToken.None);
        }

        // Notifications sent before LISTEN took effect are not seen; the caller reads the request after this returns.
        try
        {
            await _listening.Task.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        }
        catch (TimeoutException)
        {
            // Not listening (yet): the waiter still looks at the store at least every LookAgain.
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken) => await DisposeAsync();

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await _stopping.CancelAsync();
        }

        if (_loop is { } loop)
        {
            await loop.ContinueWith(_ => { }, TaskScheduler.Default);
        }
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        TimeSpan backoff = TimeSpan.FromMilliseconds(200);
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await _store.OpenAsync(stopping);
                connection.Notification += OnNotification;
                await using (var listen = new NpgsqlCommand("LISTEN " + ReviewStore.Channel, connection))
                {
                    await listen.ExecuteNonQueryAsync(stopping);
                }

                _listening.TrySetResult();
                backoff = TimeSpan.FromMilliseconds(200);
                WakeAll();
                while (!stopping.IsCancellationRequested)
                {
                    await connection.WaitAsync(stopping);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex) when (ex is NpgsqlException or InvalidOperationException or IOException or TimeoutException)
            {
                LogListenFailed(ex.Message);
                lock (_gate)
                {
                    if (_listening.Task.IsCompleted)
                    {
                        _listening = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                    }
                }

                // Whoever waits looks at the store itself (and finds it unreachable, or decided).
                WakeAll();
                try
                {
                    await Task.Delay(backoff, stopping);
                }
                catch (OperationCanceledException)
                {
                    return;
                }

                backoff = TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (long.TryParse(e.Payload, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out long id)
            && _waiters.TryGetValue(id, out SemaphoreSlim? signal))
        {
            Wake(signal);
        }

        foreach (SemaphoreSlim watcher in _watchers.Keys)
        {
            Wake(watcher);
        }
    }

    private void WakeAll()
    {
        foreach (SemaphoreSlim signal in _waiters.Values.Concat(_watchers.Keys))
        {
            Wake(signal);
        }
    }

    private static void Wake(SemaphoreSlim signal)
    {
        try
        {
            signal.Release();
        }
        catch (Exception ex) when (ex is ObjectDisposedException or SemaphoreFullException)
        {
            // Its waiter has just left, or a watcher has a wake-up pending already.
        }
    }

    [LoggerMessage(EventId = 8000, Level = LogLevel.Warning, Message = "Listening for approval decisions failed ({Reason}); reconnecting")]
    private partial void LogListenFailed(string reason);

    /// <summary>One session's interest in one request, or a page's in all of them.</summary>
    public sealed class Subscription : IDisposable
    {
        private readonly Action _remove;
        private readonly SemaphoreSlim _signal;

        internal Subscription(Action remove, SemaphoreSlim signal)
        {
            _remove = remove;
            _signal = signal;
        }

        /// <summary>Waits for a notification about the request (or a reconnect); false when <paramref name="timeout"/> passed first.</summary>
        public Task<bool> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken) => _signal.WaitAsync(timeout, cancellationToken);

        /// <inheritdoc />
        public void Dispose()
        {
            _remove();
            _signal.Dispose();
        }
    }
}
