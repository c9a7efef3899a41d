using System.Text.Json;
using Json.Schema;
using Microsoft.Extensions.AI;
using SlotSharp.Extensions.AI;
using SlotSharp.Tests.Generation.Constraints;

namespace SlotSharp.Tests.ChatClients;

/// <summary>A record GetResponseAsync&lt;T&gt; fills from the model's JSON.</summary>
public sealed record Forecast(string City, int HighCelsius, bool Rain, Outlook Outlook, string[] Notes);

public enum Outlook { Sunny, Cloudy, Stormy }

/// <summary>
/// Structured outputs through the IChatClient in-process: Microsoft.Extensions.AI's GetResponseAsync&lt;T&gt; sends
/// ChatResponseFormat.ForJsonSchema(T's schema), and tiny-qwen2 (random weights) must still produce JSON that
/// deserializes to T; ChatResponseFormat.Json gives an object, ForJsonSchema a value JsonSchema.Net accepts.
/// </summary>
public class StructuredChatClientTests(TinyQwenFixture fixture) : IClassFixture<TinyQwenFixture>
{
    [SkippableFact]
    public async Task GetResponseAsyncOfARecordDeserializesTheConstrainedAnswer()
    {
        using var client = new SlotChatClient(fixture.Pipeline.Engine);
        int finished = 0;
        for (int seed = 0; seed < 6; seed++)
        {
            var options = new ChatOptions { MaxOutputTokens = 400, Temperature = 1, Seed = seed };
            var response = await client.GetResponseAsync<Forecast>("Tomorrow's forecast for Oslo?", options);
            if (response.FinishReason != ChatFinishReason.Stop) continue;
            finished++;
            Assert.True(response.TryGetResult(out var forecast), response.Text);
            Assert.NotNull(forecast!.City);
            Assert.NotNull(forecast.Notes);
            Assert.True(Enum.IsDefined(forecast.Outlook));
        }
        Assert.True(finished > 0, "no generation finished within max tokens");
    }

    [SkippableFact]
    public async Task ResponseFormatsJsonAndForJsonSchemaConstrainTheText()
    {
        using var client = new SlotChatClient(fixture.Pipeline.Engine);
        var schema = JsonDocument.Parse(SchemaSamples.Person).RootElement;
        var validator = JsonSchema.FromText(SchemaSamples.Person);
        for (int seed = 0; seed < 5; seed++)
        {
            var response = await client.GetResponseAsync("Describe a person.", new ChatOptions
            {
                MaxOutputTokens = 300, Temperature = 1, Seed = seed, ResponseFormat = ChatResponseFormat.ForJsonSchema(schema, "person"),
            });
            if (response.FinishReason == ChatFinishReason.Stop)
                Assert.True(validator.Evaluate(JsonDocument.Parse(response.Text).RootElement).IsValid, response.Text);

            var streamed = new System.Text.StringBuilder();
            ChatFinishReason? reason = null;
            await foreach (var update in client.GetStreamingResponseAsync("Anything.", new ChatOptions
            {
                MaxOutputTokens = 200, Temperature = 1, Seed = seed, ResponseFormat = ChatResponseFormat.Json,
            }))
            {
                streamed.Append(update.Text);
                reason ??= update.FinishReason;
            }
            if (reason == ChatFinishReason.Stop)
                Assert.Equal(JsonValueKind.Object, JsonDocument.Parse(streamed.ToString()).RootElement.ValueKind);
        }
    }
}
