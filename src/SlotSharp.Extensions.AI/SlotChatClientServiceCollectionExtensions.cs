using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection;
using SlotSharp.Engine;

namespace SlotSharp.Extensions.AI;

/// <summary>Registers a SlotSharp model, its engine and a <see cref="SlotChatClient"/> with Microsoft.Extensions.DependencyInjection.</summary>
public static class SlotChatClientServiceCollectionExtensions
{
    /// <summary>
    /// Adds singletons: the <see cref="SlotModel"/> loaded from <paramref name="model"/> (a folder, a .gguf file or a
    /// Hub repo id) on first use, its <see cref="SlotEngine"/>, and an <see cref="IChatClient"/> on that engine. The
    /// container disposes them in reverse order (the engine before its model). The backend's package
    /// (SlotSharp.TorchSharp or SlotSharp.LlamaCpp) must be referenced by the app.
    /// </summary>
    public static IServiceCollection AddSlotChatClient(this IServiceCollection services, string model, ModelLoadOptions? load = null,
        EngineOptions? engine = null, SlotChatClientOptions? defaults = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(model);
        services.AddSingleton(_ => SlotModel.Load(model, load ?? new ModelLoadOptions()));
        services.AddSingleton(sp => new SlotEngine(sp.GetRequiredService<SlotModel>(), engine));
        services.AddSingleton<IChatClient>(sp => new SlotChatClient(sp.GetRequiredService<SlotEngine>(), defaults));
        return services;
    }
}
