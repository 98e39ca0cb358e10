using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;

namespace HoopGate.Admin;

/// <summary>
/// The console's pages are written here, server-side: every value from the store or the identity provider goes through
/// <see cref="Encode"/>, styles and the one small script come from the console's own paths (the Content-Security-Policy
/// allows nothing else), and nothing identifying a statement's SQL goes into a URL.
/// </summary>
internal sealed class ConsoleHtml
{
    public const string AntiforgeryField = "__hoopgate_antiforgery";

    private readonly StringBuilder _body = new();

    public static string Encode(string? text) => HtmlEncoder.Default.Encode(text ?? "");

    public ConsoleHtml Raw(string html)
    {
        _body.Append(html);
        return this;
    }

    public ConsoleHtml Text(string? text)
    {
        _body.Append(Encode(text));
        return this;
    }

    /// <summary>An element with encoded text content.</summary>
    public ConsoleHtml Element(string tag, string? text, string? cssClass = null)
    {
        _body.Append('<').Append(tag);
        if (cssClass is not null)
        {
            _body.Append(" class=\"").Append(cssClass).Append('"');
        }

        _body.Append('>').Append(Encode(text)).Append("</").Append(tag).Append('>');
        return this;
    }

    /// <summary>A form posting to <paramref name="action"/> (a console path) with the anti-forgery token.</summary>
    public ConsoleHtml FormStart(string action, string antiforgeryToken, string? cssClass = null)
    {
        _body.Append("<form method=\"post\" action=\"").Append(Encode(action)).Append('"');
        if (cssClass is not null)
        {
            _body.Append(" class=\"").Append(cssClass).Append('"');
        }

        _body.Append("><input type=\"hidden\" name=\"").Append(AntiforgeryField).Append("\" value=\"").Append(Encode(antiforgeryToken)).Append("\">");
        return this;
    }

    public static string Age(TimeSpan age) => age.TotalSeconds < 90 ? ((int)age.TotalSeconds).ToString(CultureInfo.InvariantCulture) + " s"
        : age.TotalMinutes < 90 ? ((int)age.TotalMinutes).ToString(CultureInfo.InvariantCulture) + " min"
        : age.TotalHours < 48 ? ((int)age.TotalHours).ToString(CultureInfo.InvariantCulture) + " h"
        : ((int)age.TotalDays).ToString(CultureInfo.InvariantCulture) + " days";

    /// <summary>The whole page: head with the console's stylesheet, the navigation for the viewer's roles, the body.</summary>
    public string Page(string title, ConsoleUser? user, string antiforgeryToken, bool live = false)
    {
        var page = new StringBuilder();
        page.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\">")
            .Append("<title>").Append(Encode(title)).Append(" · HoopGate</title><link rel=\"stylesheet\" href=\"/console/assets/console.css\">");
        if (live)
        {
            page.Append("<script src=\"/console/assets/console.js\" defer></script>");
        }

        page.Append("</head><body><header><span class=\"brand\">HoopGate compliance console</span>");
        if (user is not null)
        {
            page.Append("<nav><a href=\"/console\">Inbox</a>");
            if (user.IsAuditor || user.IsAdmin)
            {
                page.Append("<a href=\"/console/activity\">Activity</a><a href=\"/console/report\">PHI report</a>");
            }

            if (user.IsAdmin)
            {
                page.Append("<a href=\"/console/sessions\">Sessions</a>");
            }

            page.Append("</nav><span class=\"who\">").Append(Encode(user.DisplayName)).Append(" · ").Append(Encode(string.Join(", ", user.Roles))).Append("</span>")
                .Append("<form method=\"post\" action=\"/console/signout\" class=\"signout\"><input type=\"hidden\" name=\"").Append(AntiforgeryField)
                .Append("\" value=\"").Append(Encode(antiforgeryToken)).Append("\"><button type=\"submit\">Sign out</button></form>");
        }

        page.Append("</header><main><h1>").Append(Encode(title)).Append("</h1>").Append(_body).Append("</main></body></html>");
        return page.ToString();
    }

    public const string Stylesheet = """
        body { font-family: system-ui, sans-serif; margin: 0; color: #1d2330; background: #f6f7f9; }
        header { display: flex; gap: 1.5rem; align-items: center; padding: .6rem 1.2rem; background: #1d2330; color: #fff; }
        header a { color: #cfe0ff; margin-right: 1rem; }
        header .brand { font-weight: 600; }
        header .who { margin-left: auto; font-size: .9rem; }
        header form.signout button { background: none; border: 1px solid #cfe0ff; color: #cfe0ff; border-radius: 4px; cursor: pointer; }
        main { padding: 1rem 1.5rem; max-width: 70rem; }
        .notice { padding: .6rem 1rem; border-radius: 4px; background: #e5f3e8; border: 1px solid #9fd3a9; }
        .problem { padding: .6rem 1rem; border-radius: 4px; background: #fbe9e9; border: 1px solid #e3a1a1; }
        .stale { padding: .6rem 1rem; background: #fff6d6; border: 1px solid #e8d27a; }
        article.review { background: #fff; border: 1px solid #d7dbe3; border-radius: 6px; padding: .8rem 1rem; margin: 1rem 0; }
        article.review h2 { font-size: 1.05rem; margin: 0 0 .4rem; }
        dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; margin: .4rem 0; }
        dt { color: #5a6477; }
        dd { margin: 0; }
        pre.sql { background: #10141c; color: #e8eef9; padding: .7rem; border-radius: 4px; white-space: pre-wrap; overflow-wrap: anywhere; }
        form.decide { display: flex; gap: .5rem; align-items: flex-start; }
        form.decide textarea { flex: 1; min-height: 2.2rem; }
        button.approve { background: #1f7a3a; color: #fff; border: 0; padding: .45rem .9rem; border-radius: 4px; cursor: pointer; }
        button.deny { background: #a12a2a; color: #fff; border: 0; padding: .45rem .9rem; border-radius: 4px; cursor: pointer; }
        table { border-collapse: collapse; background: #fff; }
        td.sql { font-family: ui-monospace, monospace; font-size: .85rem; }
        form.filters { display: flex; flex-wrap: wrap; gap: .8rem; align-items: end; margin-bottom: 1rem; }
        svg.chart { background: #fff; border: 1px solid #d7dbe3; }
        th, td { border: 1px solid #d7dbe3; padding: .3rem .6rem; text-align: left; }
        """;

    /// <summary>
    /// The inbox's live updates: a server-sent event says a request was filed or decided somewhere; the page reloads
    /// (marked live=1: not activity that keeps the sign-in alive), unless someone is typing a comment, who is told instead.
    /// When the sign-in lapses the stream says so and the page shows that.
    /// </summary>
    public const string Script = """
        'use strict';
        (function () {
          // The version the page was rendered at: the server says at once if something changed while it loaded.
          var source = new EventSource('/console/events?since=' + encodeURIComponent(document.getElementById('stale').dataset.version));
          var pending = null;
          var leaving = false;
          window.addEventListener('beforeunload', function () {
            // The person is going elsewhere: no reload may pull them back.
            leaving = true;
            if (pending !== null) {
              window.clearTimeout(pending);
            }
            source.close();
          });
          source.addEventListener('change', function () {
            // Changes come in bursts (a filing, then its decision, then its execution): one reload for a burst.
            if (pending !== null || leaving) {
              return;
            }
            pending = window.setTimeout(function () {
              pending = null;
              var typing = Array.prototype.some.call(document.querySelectorAll('textarea'), function (t) { return t.value.length > 0; })
                || (document.activeElement && document.activeElement.tagName === 'TEXTAREA');
              if (typing) {
                document.getElementById('stale').hidden = false;
              } else {
                window.location.replace('/console?live=1');
              }
            }, 700);
          });
          source.addEventListener('expired', function () {
            source.close();
            window.location.replace('/console?live=1');
          });
        })();
        """;
}
