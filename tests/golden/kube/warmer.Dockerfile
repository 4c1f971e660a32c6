ARG DOTNET=8.0
FROM mcr.microsoft.com/dotnet/sdk:${DOTNET} AS build-env
WORKDIR /app
COPY *.csproj ./
RUN dotnet restore
FROM build-env AS publish
RUN dotnet publish -c Release -o out
FROM --platform=linux/amd64 mcr.microsoft.com/dotnet/aspnet:${DOTNET}
COPY --from=publish /app/out .
FROM node:20-bookworm-slim
FROM scratch
