using System.Net;

namespace SlotSharp.Server;

/// <summary>
/// One address from `--urls`, checked before anything is loaded. Only http:// with an IP address or 'localhost'
/// is accepted: Kestrel would listen on every interface for any other host (a name, or a mistyped address such as
/// 300.1.1.1), so a host name is refused rather than silently widening the bind.
/// </summary>
public sealed record ListenAddress(string Text, IPAddress? Ip, int Port)
{
    /// <summary>'localhost': the loopback interfaces only (IPv4 and, where available, IPv6).</summary>
    public bool IsLocalhost => Ip == null;

    /// <summary>
    /// Parses one or more addresses separated by ';' (as ASP.NET Core's urls setting). Messages start with the value at
    /// fault, so a host can prefix the setting's name.
    /// </summary>
    public static IReadOnlyList<ListenAddress> ParseAll(string urls)
    {
        var parts = urls.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0) throw new SlotSharpException("is empty; give an address like http://127.0.0.1:8080");
        return [.. parts.Select(Parse)];
    }

    public static ListenAddress Parse(string text)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
            throw new SlotSharpException($"'{text}' is not an address like http://127.0.0.1:8080");
        if (uri.Scheme != Uri.UriSchemeHttp)
            throw new SlotSharpException($"'{text}': only http:// is supported (put a TLS proxy in front for https)");
        if (uri.AbsolutePath != "/" || uri.Query.Length > 0 || uri.UserInfo.Length > 0)
            throw new SlotSharpException($"'{text}': give only scheme, host and port, like http://127.0.0.1:8080");
        if (uri.IsLoopback && string.Equals(uri.Host, "localhost", StringComparison.OrdinalIgnoreCase))
            return new ListenAddress(text, null, uri.Port);
        if (IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip)) return new ListenAddress(text, ip, uri.Port);
        throw new SlotSharpException($"'{text}': '{uri.Host}' is not an IP address or localhost (host names are not " +
                                     "resolved; use 127.0.0.1 for this machine only, 0.0.0.0 or [::] for every interface)");
    }
}
