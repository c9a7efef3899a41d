using System.Net;
using System.Net.Sockets;

namespace SlotSharp.Tests.Cli;

/// <summary>`slot serve` address handling: a bind failure or a bad address is one line and exit 2, never a wider bind.</summary>
public sealed class ServeCommandTests
{
    [SkippableFact]
    public void BusyPortExits2WithOneLineNamingTheAddressAndNeverSaysServing()
    {
        var model = SharedAssets.Require("models", "tiny-qwen2");
        using var occupant = new TcpListener(IPAddress.Loopback, 0);
        occupant.Start();
        var url = $"http://127.0.0.1:{((IPEndPoint)occupant.LocalEndpoint).Port}";

        var (code, stdout, stderr) = SlotProcess.Run("serve", "--model", model, "--urls", url);

        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: cannot listen on {url}: ", line);
        Assert.DoesNotContain("serving", stderr);
    }

    [SkippableTheory]
    [InlineData("ftp://127.0.0.1:8080", "only http:// is supported")]
    [InlineData("http://example.com:8080", "'example.com' is not an IP address or localhost")]
    [InlineData("http://300.1.1.1:8080", "'300.1.1.1' is not an IP address or localhost")]
    [InlineData("http://127.0.0.1:8080/api", "give only scheme, host and port")]
    [InlineData("not a url", "is not an address like http://127.0.0.1:8080")]
    public void BadAddressIsRefusedBeforeTheModelLoads(string url, string reason)
    {
        // The model folder does not exist: the address must be refused first.
        var (code, stdout, stderr) = SlotProcess.Run("serve", "--model", "/nonexistent/model", "--urls", url);
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        var line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith($"error: --urls '{url}'", line);
        Assert.Contains(reason, line);
    }

    [SkippableFact]
    public void LocalhostMeansLoopbackAndIpAddressesAreKeptExactly()
    {
        var localhost = SlotSharp.Server.ListenAddress.Parse("http://localhost:8080");
        Assert.True(localhost.IsLocalhost);
        Assert.Equal(8080, localhost.Port);
        var any = SlotSharp.Server.ListenAddress.ParseAll("http://0.0.0.0:80; http://[::1]:81");
        Assert.Equal([IPAddress.Any, IPAddress.IPv6Loopback], any.Select(a => a.Ip));
        Assert.Equal([80, 81], any.Select(a => a.Port));
    }
}
