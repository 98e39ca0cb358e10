using System.CommandLine;

namespace HoopGate.Cli;

/// <summary>
/// <c>hoopgate probe</c>: GETs one of the admin API's endpoints and exits 0 on a 2xx answer — the container's
/// HEALTHCHECK, which has neither curl nor wget in the runtime image.
/// </summary>
internal static class ProbeCommand
{
    public static Command Create()
    {
        var urlOption = new Option<Uri>("--url")
        {
            Description = "What to GET",
            DefaultValueFactory = _ => new Uri("http://127.0.0.1:6433/readyz"),
        };
        var command = new Command("probe", "GET an admin API endpoint (default /readyz); exit 0 when it answers 2xx") { urlOption };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using HttpResponseMessage response = await http.GetAsync(parse.GetValue(urlOption), cancellationToken);
                await Console.Out.WriteLineAsync(((int)response.StatusCode).ToString(System.Globalization.CultureInfo.InvariantCulture) + " " + await response.Content.ReadAsStringAsync(cancellationToken));
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync("hoopgate: " + ex.Message);
                return 1;
            }
        });
        return command;
    }
}
