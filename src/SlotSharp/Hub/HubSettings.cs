namespace SlotSharp.Hub;

/// <summary>
/// Where the Hub is and where its cache lives, read from the same environment variables huggingface_hub reads,
/// so that the Python and the C# tools share one cache and one login.
/// </summary>
/// <param name="Endpoint">Base URL without trailing slash (HF_ENDPOINT, default https://huggingface.co).</param>
/// <param name="CacheDir">The hub cache folder holding models--org--name/ and datasets--org--name/.</param>
/// <param name="Token">Bearer token, or null for anonymous access.</param>
/// <param name="TokenFile">The token file huggingface-cli login writes (named in error messages).</param>
/// <param name="Offline">HF_HUB_OFFLINE: resolve from the cache only, never touch the network.</param>
public sealed record HubSettings(string Endpoint, string CacheDir, string? Token, string TokenFile, bool Offline)
{
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>
    /// The environment variable <see cref="CacheDir"/> came from (HF_HUB_CACHE, HUGGINGFACE_HUB_CACHE, HF_HOME or
    /// XDG_CACHE_HOME); null for the default folder or one a caller chose. Named when the cache cannot be written.
    /// </summary>
    public string? CacheDirVariable { get; init; }

    /// <summary>
    /// The slowest transfer a download accepts, in bytes per second over each <see cref="TransferWindow"/>: slower,
    /// the connection counts as dropped and is resumed (then, after the retries, the download fails). A server that
    /// trickles one byte a second would otherwise hold a download forever. Default 1 KiB/s (SLOTSHARP_HUB_MIN_RATE).
    /// </summary>
    public long MinBytesPerSecond { get; init; } = DefaultMinBytesPerSecond;

    /// <summary>The span over which <see cref="MinBytesPerSecond"/> is measured, and the longest silence tolerated: 60 s.</summary>
    public TimeSpan TransferWindow { get; init; } = TimeSpan.FromSeconds(60);

    public const long DefaultMinBytesPerSecond = 1024;

    /// <summary>Settings from the process environment (HF_HOME, HF_HUB_CACHE, HF_TOKEN, HF_ENDPOINT, HF_HUB_OFFLINE).</summary>
    public static HubSettings FromEnvironment() => FromEnvironment(Environment.GetEnvironmentVariable);

    /// <summary>Same resolution order as huggingface_hub.constants, with an injectable environment for tests.</summary>
    public static HubSettings FromEnvironment(Func<string, string?> env)
    {
        string? Get(string name) => env(name) is { Length: > 0 } v ? v : null;

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        var xdgCache = Get("XDG_CACHE_HOME") ?? Path.Combine(home, ".cache");
        var hfHome = ExpandHome(Get("HF_HOME") ?? Path.Combine(xdgCache, "huggingface"), home);
        var cache = ExpandHome(Get("HF_HUB_CACHE") ?? Get("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(hfHome, "hub"), home);
        var cacheVariable = new[] { "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_HOME", "XDG_CACHE_HOME" }
            .FirstOrDefault(name => Get(name) != null);
        var tokenFile = ExpandHome(Get("HF_TOKEN_PATH") ?? Path.Combine(hfHome, "token"), home);
        // HF_TOKEN wins over the file written by `huggingface-cli login`, as in huggingface_hub.get_token().
        var token = Get("HF_TOKEN") ?? Get("HUGGING_FACE_HUB_TOKEN") ?? ReadTokenFile(tokenFile);
        var endpoint = (Get("HF_ENDPOINT") ?? DefaultEndpoint).TrimEnd('/');
        var offline = IsTruthy(Get("HF_HUB_OFFLINE")) || IsTruthy(Get("TRANSFORMERS_OFFLINE"));
        long minRate = long.TryParse(Get("SLOTSHARP_HUB_MIN_RATE"), System.Globalization.NumberStyles.None,
            System.Globalization.CultureInfo.InvariantCulture, out var rate) ? rate : DefaultMinBytesPerSecond;
        return new HubSettings(endpoint, cache, token?.Trim(), tokenFile, offline) { CacheDirVariable = cacheVariable, MinBytesPerSecond = minRate };
    }

    static string? ReadTokenFile(string path)
    {
        try { return File.Exists(path) ? File.ReadAllText(path).Trim() is { Length: > 0 } t ? t : null : null; }
        catch (IOException) { return null; }
        catch (UnauthorizedAccessException) { return null; }
    }

    // huggingface_hub accepts the same spellings via constants._is_true.
    static bool IsTruthy(string? value) =>
        value != null && value.Trim().ToUpperInvariant() is "1" or "ON" or "YES" or "TRUE";

    static string ExpandHome(string path, string home) =>
        path == "~" ? home : path.StartsWith("~/", StringComparison.Ordinal) ? Path.Combine(home, path[2..]) : path;
}
