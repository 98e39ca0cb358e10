using System.Globalization;

namespace HoopGate.Demo;

/// <summary>Reads durations written the way people type them on a command line: <c>90s</c>, <c>10m</c>, <c>2h</c>, <c>1d</c>, or <c>00:10:00</c>.</summary>
internal static class DurationText
{
    /// <summary>Parses a positive duration; a bare number is read as seconds.</summary>
    public static bool TryParse(string text, out TimeSpan duration)
    {
        duration = default;
        text = text.Trim();
        if (text.Length == 0)
        {
            return false;
        }

        if (text.Contains(':', StringComparison.Ordinal))
        {
            return TimeSpan.TryParse(text, CultureInfo.InvariantCulture, out duration) && duration > TimeSpan.Zero;
        }

        char unit = text[^1];
        double seconds = unit switch
        {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86400,
            _ => 0,
        };
        string number = seconds == 0 ? text : text[..^1];
        if (seconds == 0)
        {
            seconds = 1;
        }

        if (!double.TryParse(number, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double value) || value <= 0 || value * seconds > TimeSpan.MaxValue.TotalSeconds / 2)
        {
            return false;
        }

        duration = TimeSpan.FromSeconds(value * seconds);
        return true;
    }
}
