# %% [markdown]
# # 05 · Switching deployments by configuration
#
# The same pipeline code runs against any deployment: Azure AI Model Inference (`/models`), Azure OpenAI
# deployments (`/openai/deployments/<name>`), the Azure OpenAI / Foundry v1 surface (`/openai/v1`) and any
# local OpenAI-compatible server (vLLM, llama.cpp, Ollama). What changes is configuration: a profile, an
# environment variable, or a LangChain `configurable` value. The emulator serves all four surfaces.

# %% [setup-emulator]

# %% [markdown]
# ## The profiles
#
# A profile is a table of `Deployment` fields in a TOML file. `${VAR}` and `${VAR:-default}` are expanded
# from the environment; keys stay in the environment too (`credential_env = "VAR"`). The surface is detected
# from the URL.

# %%
import os

from azure_inference import Deployment, load_profiles

profiles, source = load_profiles()  # the file connect() wrote; AZURE_INFERENCE_CONFIG names it
print("file:", source)
print(source.read_text(encoding="utf-8").split("[profiles.azure]")[0])
SURFACES = ["emulator", "emulator-v1", "emulator-aoai", "emulator-local"]
if os.environ.get("AZURE_INFERENCE_ENDPOINT"):
    SURFACES.append("azure")  # your deployment, next to the emulated ones
for name in SURFACES:
    dep = Deployment.from_profile(name)
    print(f"{name:<16} {dep.resolved_surface.value:<18} model={dep.model:<20} {dep.endpoint}")

# %% [markdown]
# ## One chain, four surfaces
#
# The chain is written once; only the profile name differs. The emulator's request log shows what went over
# the wire: the route, the `api-version` (model-inference and Azure OpenAI deployments only) and the model.

# %%
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate

from langchain_azure_inference import ChatAzureInference

prompt = ChatPromptTemplate.from_template("Context: The Boreal 2 tent weighs 1.6 kilograms.\nQuestion: {question}")


def build_chain(profile):
    return prompt | ChatAzureInference(deployment=profile, temperature=0) | StrOutputParser()


for name in SURFACES:
    answer = build_chain(name).invoke({"question": "How much does the Boreal 2 tent weigh?"})
    sent = emu.control.requests()[-1] if name.startswith("emulator") else None
    query = f"?{sent['query']}" if sent and sent["query"] else ""
    wire = f"POST {sent['path']}{query} model={sent['body'].get('model')}" if sent else "(your deployment)"
    print(f"{name:<16} {wire}\n{'':<16} -> {answer}")

# %% [markdown]
# ## Environment variables
#
# With no `deployment=`, the adapters read `AZURE_INFERENCE_PROFILE`, else `AZURE_INFERENCE_ENDPOINT`,
# `AZURE_INFERENCE_CREDENTIAL`, `AZURE_INFERENCE_MODEL`, ... A prefix gives each deployment its own set.

# %%
os.environ["AZURE_INFERENCE_PROFILE"] = "emulator-v1"
print("AZURE_INFERENCE_PROFILE:", ChatAzureInference().invoke("Which model are you?").response_metadata["model_name"])
del os.environ["AZURE_INFERENCE_PROFILE"]

# A local OpenAI-compatible server, configured with its own prefix (no key needed on loopback).
os.environ["LOCAL_LLM_ENDPOINT"] = emu.url + "/v1"
os.environ["LOCAL_LLM_MODEL"] = "Phi-3.5-mini-instruct"
local = Deployment.from_env(prefix="LOCAL_LLM")
print("LOCAL_LLM_*:", local.resolved_surface.value, ChatAzureInference(deployment=local).invoke("Hi!").content)

# %% [markdown]
# ## Switching inside a running chain: `configurable_fields` and `configurable_alternatives`
#
# LangChain can switch a field, or the whole model, per call through `config`; nothing is rebuilt by hand.

# %%
from langchain_core.runnables import ConfigurableField

by_profile = ChatAzureInference(deployment="emulator", temperature=0).configurable_fields(
    deployment=ConfigurableField(id="profile", name="Deployment profile")
)
chain = prompt | by_profile
for name in ("emulator", "emulator-v1"):
    reply = chain.invoke({"question": "Weight?"}, config={"configurable": {"profile": name}})
    print(f"profile={name:<12} served by {reply.response_metadata['model_name']}")

alternatives = ChatAzureInference(deployment="emulator").configurable_alternatives(
    ConfigurableField(id="backend"),
    default_key="foundry",
    v1=ChatAzureInference(deployment="emulator-v1"),
    local=ChatAzureInference(deployment="emulator-local"),
)
for key in ("foundry", "v1", "local"):
    reply = (prompt | alternatives).with_config(configurable={"backend": key}).invoke({"question": "Weight?"})
    print(f"backend={key:<8} served by {reply.response_metadata['model_name']}")

# %% [markdown]
# ## LlamaIndex takes the same profiles

# %%
from llamaindex_azure_inference import AzureInference

for name in SURFACES:
    llm = AzureInference(deployment=name)
    text = llm.complete("Say hi.").text
    print(f"{name:<16} {llm.metadata.model_name:<20} {text}")

# %% [teardown]
